import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, cache, dedupe, MemoryStore, rateLimit, retry } from '../../middleware/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { type Client, ConfigError, createClient, HttpError, type ParamValue } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'
import { thrown } from '../support/thrown.ts'

let server: TestServer
let api: Client
beforeAll(async () => {
  server = await startServer((req, res) => sendJson(res, 200, { url: req.url }))
  api = createClient({ baseUrl: server.url })
})
afterAll(() => server.close())

/** The path and query the server received for the last request. */
const lastUrl = () => server.requests.at(-1)?.url
/** Runs `call` and checks that it rejected with a ConfigError before anything was sent. */
async function refusedBeforeSending(call: () => Promise<unknown>): Promise<ConfigError> {
  const before = server.requests.length
  const error = await call().then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(ConfigError)
  expect(server.requests.length).toBe(before)
  return error as ConfigError
}

/** An OAuth2 client-credentials middleware with one option to test set. */
function oauth2With(option: { refreshMarginMs?: number; tokenTimeoutMs?: number }) {
  return auth.oauth2({
    grant: 'client_credentials',
    tokenUrl: 'https://auth.example.com/token',
    clientId: 'id',
    clientSecret: 'secret',
    ...option,
  })
}

describe('path parameters: each reserved character lands inside exactly one segment', () => {
  // What the server receives for `/items/{id}/end`. Sub-delims other than $&+,;= are legal in a
  // segment (RFC 3986 pchar) and stay as they are; everything else that could end the segment,
  // start a query or fragment, or be read as a dot-segment is percent-encoded.
  const cases: [string, ParamValue, string][] = [
    ['gen-delim :', ':', '%3A'],
    ['gen-delim /', '/', '%2F'],
    ['gen-delim ?', '?', '%3F'],
    ['gen-delim #', '#', '%23'],
    ['gen-delim [', '[', '%5B'],
    ['gen-delim ]', ']', '%5D'],
    ['gen-delim @', '@', '%40'],
    ['sub-delim !', '!', '!'],
    ['sub-delim $', '$', '%24'],
    ['sub-delim &', '&', '%26'],
    ["sub-delim '", "'", "'"],
    ['sub-delim (', '(', '('],
    ['sub-delim )', ')', ')'],
    ['sub-delim *', '*', '*'],
    ['sub-delim +', '+', '%2B'],
    ['sub-delim ,', ',', '%2C'],
    ['sub-delim ;', ';', '%3B'],
    ['sub-delim =', '=', '%3D'],
    ['every gen-delim', ':/?#[]@', '%3A%2F%3F%23%5B%5D%40'],
    ['every sub-delim', "!$&'()*+,;=", "!%24%26'()*%2B%2C%3B%3D"],
    ['%', '%', '%25'],
    ['an encoded slash, sent as typed', '%2F', '%252F'],
    ['an encoded dot-segment, sent as typed', '%2e%2e', '%252e%252e'],
    ['three dots (not a dot-segment)', '...', '...'],
    ['a climb inside the value', '../admin', '..%2Fadmin'],
    ['backslash (a slash to the URL parser)', '\\', '%5C'],
    ['space', 'a b', 'a%20b'],
    ['tab', 'a\tb', 'a%09b'],
    ['line feed', 'a\nb', 'a%0Ab'],
    ['NUL', 'a\0b', 'a%00b'],
    ['é', 'é', '%C3%A9'],
    ['e and a combining accent', 'e\u0301', 'e%CC%81'],
    ['CJK', '日本', '%E6%97%A5%E6%9C%AC'],
    ['an emoji (a surrogate pair)', '🦊', '%F0%9F%A6%8A'],
    ['a number', 0, '0'],
    ['a boolean', false, 'false'],
    ['a bigint', 12n, '12'],
  ]

  it.each(cases)('%s', async (_name, value, expected) => {
    await api.get('/items/{id}/end', { params: { id: value } })
    expect(lastUrl()).toBe(`/items/${expected}/end`)
    // The server gets back exactly the value, as one segment.
    const segments = (lastUrl() ?? '').split('/')
    expect(segments).toHaveLength(4)
    expect(decodeURIComponent(segments[2] as string)).toBe(String(value))
  })

  it.each([
    ['empty', ''],
    ['.', '.'],
    ['..', '..'],
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate inside text', 'a\uDC00b'],
  ])('refuses %s with a ConfigError naming the parameter, before sending', async (_name, value) => {
    const error = await refusedBeforeSending(() => api.get('/items/{id}/end', { params: { id: value } }))
    expect(error.message).toContain("'id'")
  })

  it('{+path} spans segments, each encoded, and refuses empty and dot-segments', async () => {
    await api.get('/files/{+path}', { params: { path: 'a b/c?d/é' } })
    expect(lastUrl()).toBe('/files/a%20b/c%3Fd/%C3%A9')
    for (const path of ['/a', 'a/', 'a//b', 'a/./b', 'a/../b']) {
      const error = await refusedBeforeSending(() => api.get('/files/{+path}', { params: { path } }))
      expect(error.message).toContain("'path'")
    }
  })

  it('refuses params, a query or a path that is not what it should be', async () => {
    await refusedBeforeSending(() => api.get('/items/{id}', { params: null as never }))
    await refusedBeforeSending(() => api.get('/items', { query: null as never }))
    await refusedBeforeSending(() => api.get('/items', { query: 'a=1' as never }))
    await refusedBeforeSending(() => api.get(42 as never))
  })
})

describe('base URLs', () => {
  it.each([
    ['empty', ''],
    ['no scheme', 'api.example.com'],
    ['not a URL', 'not a url'],
    ['a relative path', '/api'],
    ['ftp:', 'ftp://example.com'],
    ['file:', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)'],
    ['ws:', 'ws://example.com'],
    ['no host', 'http://'],
    ['an unclosed IPv6 bracket', 'http://[::1'],
    ['a port out of range', 'http://example.com:99999'],
    ['a space in the host', 'http://exa mple.com'],
    ['a number', 42],
    ['null', null],
  ])('refuses %s at construction with a ConfigError naming baseUrl', (_name, baseUrl) => {
    const error = thrown(() => createClient({ baseUrl: baseUrl as string }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain('baseUrl')
  })

  it('refuses credentials in the base URL without repeating them', () => {
    const error = thrown(() => createClient({ baseUrl: 'https://robot:pa55-SECRET@api.example.com' }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).not.toContain('pa55-SECRET')
    const malformed = thrown(() => createClient({ baseUrl: 'https://api.example.com:99999/?token=tok-SECRET' }))
    expect((malformed as Error).message).not.toContain('tok-SECRET')
  })

  it.each([
    ['a query', 'https://api.example.com/v1?api_key=key-SECRET'],
    ['a fragment', 'https://api.example.com/v1#key-SECRET'],
  ])('a base URL with %s is refused at construction, without echoing it', (_what, baseUrl) => {
    const error = thrown(() => createClient({ baseUrl }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain('baseUrl must not have a query or a fragment')
    expect((error as Error).message).not.toContain('key-SECRET')
  })

  it('accepts a URL object as well as its text', async () => {
    const client = createClient({ baseUrl: new URL(`${server.url}/api/`) as unknown as string })
    await client.get('/users')
    expect(lastUrl()).toBe('/api/users')
  })
})

describe('headers with CR, LF, NUL and other bytes a header cannot carry', () => {
  const SECRET = 'hdr-SECRET'
  const badValues: [string, string][] = [
    ['CR', `${SECRET}\rx`],
    ['LF', `${SECRET}\nx`],
    ['CRLF and an injected header', `${SECRET}\r\nx-injected: 1`],
    ['a trailing CRLF', `${SECRET}\r\n`],
    ['NUL', `${SECRET}\0`],
    ['another control character', `${SECRET}\x01`],
    ['DEL', `${SECRET}\x7f`],
    ['a character above U+00FF', `${SECRET}ā`],
    ['an emoji', `${SECRET}🦊`],
  ]
  const badNames = ['x-a\r', 'x-a\n', 'x-a\0', 'x a', 'x:a', '', 'é']

  it.each(badValues)('a client default header value with %s: ConfigError at construction', (_name, value) => {
    const error = thrown(() => createClient({ headers: { 'x-custom': value } }))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain("'x-custom'")
    expect((error as Error).message).not.toContain(SECRET)
  })

  it.each(badValues)('a per-call header value with %s: ConfigError, nothing sent', async (_name, value) => {
    const error = await refusedBeforeSending(() => api.get('/x', { headers: { 'x-custom': value } }))
    expect(error.message).toContain("'x-custom'")
    expect(error.message).not.toContain(SECRET)
  })

  it.each(badNames)('a header name %j: ConfigError, at construction or before sending', async (name) => {
    expect(thrown(() => createClient({ headers: { [name]: 'v' } }))).toBeInstanceOf(ConfigError)
    await refusedBeforeSending(() => api.get('/x', { headers: { [name]: 'v' } }))
    expect(thrown(() => api.extend({ headers: { [name]: 'v' } }))).toBeInstanceOf(ConfigError)
    await refusedBeforeSending(() => api.fetch('/x', { headers: [[name, 'v']] }))
  })

  it('refuses headers that are not headers: null, a string, a list of non-pairs', async () => {
    expect(thrown(() => createClient({ headers: null as never }))).toBeInstanceOf(ConfigError)
    await refusedBeforeSending(() => api.get('/x', { headers: 'x-a: 1' as never }))
    await refusedBeforeSending(() => api.get('/x', { headers: [['x-a']] as never }))
  })

  it('a Latin-1 value (é) is a valid header value and is sent', async () => {
    await api.get('/x', { headers: { 'x-name': 'José' } })
    expect(server.requests.at(-1)?.headers['x-name']).toBe('José')
  })

  const TOKEN = 'tok-SECRET'
  it.each([
    ['a bearer token with CRLF', () => auth.bearer(`${TOKEN}\r\nx-injected: 1`)],
    ['a bearer token with NUL', () => auth.bearer(`${TOKEN}\0`)],
    ['a bearer token with a control character', () => auth.bearer(`${TOKEN}\x01`)],
    ['a bearer token above U+00FF', () => auth.bearer(`${TOKEN}ō`)],
    ['a bearer token with surrounding space', () => auth.bearer(` ${TOKEN}`)],
    ['bearer options that are not an object', () => auth.bearer(TOKEN, null as never)],
    ['a bearer scope that is not a string', () => auth.bearer(TOKEN, { scope: 5 as never })],
    ['a Basic user name with CR', () => auth.basic('user\r', TOKEN)],
    ['a Basic password with LF', () => auth.basic('user', `${TOKEN}\n`)],
    ['a Basic password with NUL', () => auth.basic('user', `${TOKEN}\0`)],
    ['an API key header name with CRLF', () => auth.apiKey({ header: 'X-Key\r\n' }, TOKEN)],
    ['an API key header name with NUL', () => auth.apiKey({ header: 'X-Key\0' }, TOKEN)],
    ['an empty API key header name', () => auth.apiKey({ header: '' }, TOKEN)],
    ['an API key value with CRLF', () => auth.apiKey({ header: 'X-Key' }, `${TOKEN}\r\n`)],
    ['an API key value with NUL', () => auth.apiKey({ header: 'X-Key' }, `${TOKEN}\0`)],
    ['an API key header value above U+00FF', () => auth.apiKey({ header: 'X-Key' }, `${TOKEN}ā`)],
    ['an API key query value with LF', () => auth.apiKey({ query: 'key' }, `${TOKEN}\n`)],
    ['an empty API key query name', () => auth.apiKey({ query: '' }, TOKEN)],
  ])('%s: ConfigError at construction, without the secret', (_name, make) => {
    const error = thrown(make)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).not.toContain(TOKEN)
  })

  it('an API key in the query may hold any Unicode: it is percent-encoded', async () => {
    await createClient({ baseUrl: server.url })
      .use(auth.apiKey({ query: 'key' }, 'clé-ā'))
      .get('/x')
    expect(lastUrl()).toBe('/x?key=cl%C3%A9-%C4%81')
  })

  it.each([
    ['CRLF', `${TOKEN}\r\nx-injected: 1`],
    ['a character above U+00FF', `${TOKEN}ō`],
  ])('a bearer token function returning %s fails the call with a ConfigError, nothing sent', async (_name, value) => {
    const client = createClient({ baseUrl: server.url }).use(auth.bearer(() => value))
    const error = await refusedBeforeSending(() => client.get('/x'))
    expect(error.message).not.toContain(TOKEN)
  })
})

describe('bodies that are not JSON', () => {
  const circular: Record<string, unknown> = { name: 'loop' }
  circular.self = circular
  const circularList: unknown[] = []
  circularList.push(circularList)
  it.each([
    ['a BigInt', 1n, /BigInt/],
    ['a BigInt deep inside', { a: [{ b: 2n }] }, /BigInt/],
    ['a circular object', circular, /circular/],
    ['a circular array', circularList, /circular/],
    ['a function', () => 1, /function/],
    ['a symbol', Symbol('s'), /symbol/],
    [
      'a toJSON that throws',
      {
        toJSON: () => {
          throw new Error('toJSON-SECRET')
        },
      },
      /toJSON/,
    ],
  ])('json: %s is a ConfigError naming json, nothing sent', async (_name, json, why) => {
    const error = await refusedBeforeSending(() => api.post('/x', { json }))
    expect(error.message).toMatch(/^json /)
    expect(error.message).toMatch(why)
    expect(error.message).not.toContain('toJSON-SECRET')
  })

  it('json: undefined means no body, as for any option left undefined', async () => {
    await api.post('/x', { json: undefined })
    expect(server.requests.at(-1)?.body).toBe('')
    expect(server.requests.at(-1)?.headers['content-type']).toBeUndefined()
  })

  it('form: an object, a function or a symbol as a field value is a ConfigError naming the field', async () => {
    for (const value of [{}, [1], () => 1, Symbol('s')]) {
      const error = await refusedBeforeSending(() => api.post('/x', { form: { field: value as never } }))
      expect(error.message).toContain("'field'")
    }
    await refusedBeforeSending(() => api.post('/x', { form: 'a=1' as never }))
  })
})

/** Values no count, limit, TTL or delay can take. */
const NOT_A_QUANTITY: readonly unknown[] = [-1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, '5']

/**
 * One option of one factory: the values it must refuse at construction (beyond
 * NOT_A_QUANTITY) and a value it must accept that a stricter check might refuse.
 */
interface NumericOption {
  readonly name: string
  readonly make: (value: unknown) => unknown
  readonly alsoRefused?: readonly unknown[]
  readonly accepted?: readonly unknown[]
  /** Infinity means "no bound" for this option. */
  readonly unbounded?: boolean
}

const NUMERIC_OPTIONS: readonly NumericOption[] = [
  ...(['perSecond', 'perMinute', 'perHour', 'concurrency'] as const).map((name) => ({
    name: `rateLimit ${name}`,
    make: (value: unknown) => rateLimit({ [name]: value }),
    alsoRefused: [0, 1.5],
  })),
  {
    name: 'rateLimit maxQueue',
    make: (value) => rateLimit({ maxQueue: value as number }),
    alsoRefused: [1.5],
    accepted: [0],
  },
  { name: 'rateLimit maxWait', make: (value) => rateLimit({ maxWait: value as number }), accepted: [0, 1.5] },
  {
    name: 'rateLimit groups.search perSecond',
    make: (value) => rateLimit({ groups: { search: { perSecond: value as number } } }),
    alsoRefused: [0, 1.5],
  },
  { name: 'retry retries', make: (value) => retry({ retries: value as number }), alsoRefused: [1.5], accepted: [0] },
  { name: 'retry minDelay', make: (value) => retry({ minDelay: value as number }), accepted: [0, 0.5] },
  {
    name: 'retry maxDelay',
    make: (value) => retry({ maxDelay: value as number, minDelay: 0 }),
    alsoRefused: [2 ** 31],
  },
  { name: 'retry factor', make: (value) => retry({ factor: value as number }), alsoRefused: [0, 0.5], accepted: [1.5] },
  { name: 'retry maxRetryAfter', make: (value) => retry({ maxRetryAfter: value as number }), alsoRefused: [2 ** 31] },
  { name: 'retry budget.ratio', make: (value) => retry({ budget: { ratio: value as number } }), accepted: [0, 0.5] },
  {
    name: 'retry budget.windowMs',
    make: (value) => retry({ budget: { windowMs: value as number } }),
    alsoRefused: [0, 999, 1e12],
  },
  {
    name: 'retry budget.minRetries',
    make: (value) => retry({ budget: { minRetries: value as number } }),
    alsoRefused: [1.5],
  },
  { name: 'cache ttl', make: (value) => cache({ ttl: value as number }), accepted: [0, 1.5] },
  { name: 'cache staleWhileRevalidate', make: (value) => cache({ staleWhileRevalidate: value as number }) },
  { name: 'cache staleIfError', make: (value) => cache({ staleIfError: value as number }) },
  { name: 'cache maxBodyBytes', make: (value) => cache({ maxBodyBytes: value as number }), alsoRefused: [1.5] },
  { name: 'cache storeTimeout', make: (value) => cache({ storeTimeout: value as number }), alsoRefused: [2 ** 31] },
  {
    name: 'MemoryStore maxEntries',
    make: (value) => new MemoryStore({ maxEntries: value as number }),
    alsoRefused: [0, 1.5],
  },
  {
    name: 'MemoryStore maxBytes',
    make: (value) => new MemoryStore({ maxBytes: value as number }),
    alsoRefused: [0, 1.5],
  },
  {
    name: 'redisConnection connectTimeout',
    make: (value) => redisConnection({ url: 'redis://127.0.0.1:1', id: 'bad-input', connectTimeout: value as number }),
    alsoRefused: [0, 2 ** 31],
  },
  {
    name: 'auth.oauth2 refreshMarginMs',
    make: (value) => oauth2With({ refreshMarginMs: value as number }),
    alsoRefused: [2 ** 31],
  },
  {
    name: 'auth.oauth2 tokenTimeoutMs',
    make: (value) => oauth2With({ tokenTimeoutMs: value as number }),
    alsoRefused: [0, 2 ** 31],
  },
  {
    name: 'client timeout',
    make: (value) => createClient({ timeout: value as number }),
    alsoRefused: [0, 2 ** 31],
    accepted: [1.5, false],
  },
  {
    name: 'client maxRedirects',
    make: (value) => createClient({ maxRedirects: value as number }),
    alsoRefused: [1.5],
    accepted: [0],
  },
  ...(['maxPages', 'maxItems'] as const).map((name) => ({
    name: `paginate ${name}`,
    make: (value: unknown) => api.paginate('/x', { [name]: value }),
    alsoRefused: [1.5],
    accepted: [0, Number.POSITIVE_INFINITY],
    unbounded: true,
  })),
]

const refusals = NUMERIC_OPTIONS.flatMap((option) =>
  [...NOT_A_QUANTITY, ...(option.alsoRefused ?? [])]
    .filter((value) => !(option.unbounded && value === Number.POSITIVE_INFINITY))
    .map((value) => [option.name, value, option] as const),
)
const acceptances = NUMERIC_OPTIONS.flatMap((option) =>
  (option.accepted ?? []).map((value) => [option.name, value, option] as const),
)

describe('numbers no option can take: a ConfigError at construction naming the option', () => {
  it.each(refusals)('%s = %s', (name, value, option) => {
    const error = thrown(() => option.make(value))
    expect(error).toBeInstanceOf(ConfigError)
    // The message names the option by its own name (the part after the last space or dot).
    expect((error as Error).message).toContain(name.split(/[ .]/).at(-1))
  })

  it.each(acceptances)('%s = %s is accepted', (_name, value, option) => {
    expect(thrown(() => option.make(value))).toBeUndefined()
  })

  it.each([
    ['timeout', [-1, Number.NaN, Number.POSITIVE_INFINITY, 0, 2 ** 31, '5']],
    ['deadline', [-1, Number.NaN, Number.POSITIVE_INFINITY, 0, 2 ** 31, '5', false]],
  ] as const)(
    'per call: a %s that is not a positive number of ms rejects the call, nothing sent',
    async (name, values) => {
      for (const value of values) {
        const error = await refusedBeforeSending(() => api.get('/x', { [name]: value as number }))
        expect(error.message).toContain(name)
      }
      await api.get('/x', { [name]: 1_000.5 })
    },
  )

  it('rateLimit() names the option once, with the group when there is one', () => {
    expect((thrown(() => rateLimit({ perSecond: -1 })) as Error).message).toBe(
      'rateLimit(): perSecond must be a positive whole number, got -1',
    )
    expect((thrown(() => rateLimit({ groups: { search: { concurrency: 0 } } })) as Error).message).toBe(
      "rateLimit() group 'search': concurrency must be a positive whole number, got 0",
    )
  })

  it('options objects that are not objects: a ConfigError, never a TypeError from inside', () => {
    for (const make of [
      () => retry(null as never),
      () => rateLimit(null as never),
      () => rateLimit({ groups: { search: null as never } }),
      () => cache(null as never),
      () => dedupe(null as never),
      () => new MemoryStore(null as never),
      () => retry({ budget: null as never }),
    ]) {
      expect(thrown(make)).toBeInstanceOf(ConfigError)
    }
  })

  it.each([
    ['retry methods with a number', () => retry({ methods: ['GET', 5 as never] }), 'methods'],
    ['retry statuses as text', () => retry({ statuses: ['503' as never] }), 'statuses'],
    ['retry statuses out of range', () => retry({ statuses: [99] }), 'statuses'],
    ['dedupe methods as a string', () => dedupe({ methods: 'GET' as never }), 'methods'],
    ['dedupe methods with POST', () => dedupe({ methods: ['POST'] }), 'POST'],
    ['dedupe methods empty', () => dedupe({ methods: [] }), 'methods'],
    ['dedupe headers with a bad name', () => dedupe({ headers: ['x tenant'] }), 'header name'],
    ['dedupe headers with CR', () => dedupe({ headers: ['x-tenant\r'] }), 'header name'],
    ['dedupe key that is not a function', () => dedupe({ key: 'url' as never }), 'key'],
    ['cache methods with POST', () => cache({ methods: ['POST'] }), 'POST'],
    ['paginate next that is not a function', () => api.paginate('/x', { next: 'link' as never }), 'next'],
  ])('%s', (_name, make, named) => {
    const error = thrown(make)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain(named)
  })

  it.each([-1, Number.NaN, 1.5])('per call: retry: { retries: %s } is a ConfigError', async (retries) => {
    const client = createClient({ baseUrl: server.url }).use(retry())
    await expect(client.get('/x', { retry: { retries } })).rejects.toThrow(/retries must be a whole number/)
  })

  it.each([Number.NaN, Number.POSITIVE_INFINITY, '1' as never])(
    'per call: priority %s is a ConfigError',
    async (priority) => {
      const client = createClient({ baseUrl: server.url }).use(rateLimit({ concurrency: 1 }))
      await expect(client.get('/x', { priority })).rejects.toThrow(/priority must be a finite number/)
    },
  )

  it('per call: a cache mode fetch does not know is a ConfigError', async () => {
    const client = createClient({ baseUrl: server.url }).use(cache())
    const call = client.get('/x', { cache: 'sometimes' as never })
    await expect(call).rejects.toBeInstanceOf(ConfigError)
    await expect(call).rejects.toThrow(/cache mode must be one of default, no-store/)
  })
})

describe('a query of 100,000 keys', () => {
  let roomy: Server
  let roomyUrl: string
  let seenKeys = 0
  beforeAll(async () => {
    // Node's default limit for the request line and headers is 16 KiB; this server takes 4 MiB.
    roomy = createServer({ maxHeaderSize: 4 * 1024 * 1024 }, (req, res) => {
      seenKeys = new URL(req.url ?? '/', 'http://x').searchParams.size
      sendJson(res, 200, { ok: true })
    })
    await new Promise<void>((resolve) => roomy.listen(0, '127.0.0.1', resolve))
    roomyUrl = `http://127.0.0.1:${(roomy.address() as AddressInfo).port}`
  })
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        roomy.closeAllConnections()
        roomy.close(() => resolve())
      }),
  )

  const query = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, `v${i}`]))

  it('is sent whole through the full stack (a 1.4 MB URL) to a server that takes it', async () => {
    const client = createClient({ baseUrl: roomyUrl })
      .use(cache())
      .use(dedupe())
      .use(retry())
      .use(rateLimit({ perSecond: 100 }))
      .use(auth.bearer('big-query-token'))
    const response = await client.get('/search', { query })
    expect(response.status).toBe(200)
    expect(seenKeys).toBe(100_000)
  })

  it('gives a clear HttpError 431 from a server with the default limit, not a hang', async () => {
    const error = await api.get('/search', { query }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(431)
    // The message names the request without repeating a 1.4 MB URL; the error's request has it whole.
    expect((error as HttpError).message.length).toBeLessThan(4_200)
    expect((error as HttpError).request?.url.length).toBeGreaterThan(1_000_000)
  })
})
