import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { type DedupeMiddleware, type DedupeOptions, dedupe, dedupeKey } from '../../middleware/dedupe/index.ts'
import { retry } from '../../middleware/retry/index.ts'
import {
  AbortError,
  type ApiResponse,
  ConfigError,
  type Context,
  createClient,
  HttpError,
  NetworkError,
} from '../../src/index.ts'
import { PlyRequest, redactHeader, SILENT } from '../../src/kit.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
/** Resolvers called when a request for a path arrives, and when its connection closes. */
const arrivals = new Map<string, () => void>()
const closes = new Map<string, () => void>()
let sequence = 0
/** How long the server takes to answer (ms), so that concurrent calls overlap. */
const DELAY = 25

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = req.url ?? '/'
    arrivals.get(url)?.()
    res.on('close', () => closes.get(url)?.())
    const n = ++sequence
    if (url.startsWith('/hang/')) return // never answers
    // Answer after a while, so that concurrent calls overlap.
    setTimeout(() => {
      if (url.startsWith('/fail/')) return sendJson(res, 500, { message: 'boom' })
      if (url.startsWith('/flaky/') && seen(url) === 1) return sendJson(res, 503, { message: 'later' })
      if (url.startsWith('/empty/')) {
        res.writeHead(204, { 'x-n': String(n) })
        res.end()
        return
      }
      sendJson(res, 200, { url, n, auth: req.headers.authorization ?? null }, { 'x-n': String(n) })
    }, DELAY)
  })
})
afterAll(() => server.close())

/** Every `dedupe()` a test made, checked empty once the test is over. */
const made: DedupeMiddleware[] = []
function tracked(options?: DedupeOptions): DedupeMiddleware {
  const middleware = dedupe(options)
  made.push(middleware)
  return middleware
}
afterEach(() => {
  for (const middleware of made) expect(middleware.inFlight).toBe(0)
  made.length = 0
})

const seen = (path: string) => server.requests.filter((request) => request.url === path).length
const when = (map: Map<string, () => void>, path: string) => new Promise<void>((resolve) => map.set(path, resolve))
const client = (options?: DedupeOptions) => createClient({ baseUrl: server.url }).use(tracked(options))

describe('identical in-flight requests share one call', () => {
  it('1,000 concurrent identical GETs: one server request, 1,000 responses, each body readable once', async () => {
    const api = client()
    const responses = await Promise.all(Array.from({ length: 1000 }, () => api.fetch('/slow/thousand')))
    expect(seen('/slow/thousand')).toBe(1)
    expect(new Set(responses).size).toBe(1000)
    const texts = new Set<string>()
    for (const response of responses) {
      expect(response.status).toBe(200)
      expect(response.url).toBe(`${server.url}/slow/thousand`)
      expect(response.headers.get('content-type')).toBe('application/json')
      texts.add(await response.text())
      expect(response.bodyUsed).toBe(true)
      await expect(response.text()).rejects.toThrow(TypeError)
    }
    expect(texts.size).toBe(1)
    expect(JSON.parse([...texts][0] as string)).toMatchObject({ url: '/slow/thousand' })
  })

  it('parsed calls get the same data, the right url, and attempts 1 for the caller that sent it, 0 for the others', async () => {
    const api = client()
    const results = await Promise.all(Array.from({ length: 10 }, () => api.get<{ n: number }>('/slow/parsed')))
    expect(seen('/slow/parsed')).toBe(1)
    expect(new Set(results.map((result) => result.data.n)).size).toBe(1)
    expect(new Set(results.map((result) => result.data)).size).toBe(10) // each parsed its own body
    expect(results.map((result) => result.url)).toEqual(Array(10).fill(`${server.url}/slow/parsed`))
    expect(results.map((result) => result.attempts)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  })

  it('merges raw (client.fetch) and parsed calls, each with its own body', async () => {
    const api = client()
    const [raw, parsed] = await Promise.all([api.fetch('/slow/mixed'), api.get<{ n: number }>('/slow/mixed')])
    expect(seen('/slow/mixed')).toBe(1)
    expect(((await raw.json()) as { n: number }).n).toBe(parsed.data.n)
  })

  it('HEAD and 204 answers are shared with null bodies', async () => {
    const api = client()
    const [heads, empties] = await Promise.all([
      Promise.all([api.head('/slow/head'), api.head('/slow/head'), api.head('/slow/head')]),
      Promise.all([api.fetch('/empty/x'), api.fetch('/empty/x')]),
    ])
    expect(seen('/slow/head')).toBe(1)
    expect(heads.map((head) => [head.status, head.data])).toEqual(Array(3).fill([200, undefined]))
    expect(seen('/empty/x')).toBe(1)
    expect(empties.map((response) => [response.status, response.body])).toEqual([
      [204, null],
      [204, null],
    ])
  })

  it('a lone call keeps the transport’s Response; a shared call consumes it and hands out copies', async () => {
    const inner: (Response | undefined)[] = []
    const outer: (Response | undefined)[] = []
    const api = createClient({ baseUrl: server.url })
      .use(async (ctx, next) => {
        await next()
        outer.push(ctx.response)
      })
      .use(tracked())
      .use(async (ctx, next) => {
        await next()
        inner.push(ctx.response)
      })
    await api.get('/slow/alone')
    expect(outer[0]).toBe(inner[0])
    inner.length = 0
    outer.length = 0
    await Promise.all([api.get('/slow/together'), api.get('/slow/together')])
    expect(inner).toHaveLength(1)
    expect(inner[0]?.bodyUsed).toBe(true)
    expect(outer).toHaveLength(2)
    expect(outer).not.toContain(inner[0])
  })

  it('a later identical request, after the shared call settled, makes a new call', async () => {
    const api = client()
    await Promise.all([api.get('/slow/again'), api.get('/slow/again')])
    expect(seen('/slow/again')).toBe(1)
    await api.get('/slow/again')
    expect(seen('/slow/again')).toBe(2)
  })

  it('callers share the retries of a retry() inside dedupe', async () => {
    const api = createClient({ baseUrl: server.url })
      .use(tracked())
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 1 }))
    const results = await Promise.all(Array.from({ length: 3 }, () => api.get('/flaky/x')))
    expect(seen('/flaky/x')).toBe(2) // a 503, then a 200
    expect(results.map((result) => [result.status, result.attempts])).toEqual([
      [200, 2],
      [200, 0],
      [200, 0],
    ])
  })

  it('merges calls signed by auth inside dedupe (the usual stack); every caller learns the credential scope', async () => {
    const states: Context['state'][] = []
    const api = createClient({ baseUrl: server.url })
      .use(async (ctx, next) => {
        await next()
        states.push(ctx.state)
      })
      .use(tracked())
      .use(auth.bearer('inner-token'))
    const results = await Promise.all([api.get('/slow/signed'), api.get('/slow/signed')])
    expect(seen('/slow/signed')).toBe(1)
    expect(states.map((state) => state.deduplicated)).toEqual([undefined, true])
    expect(states[0]?.credentialScope).toMatch(/^bearer:/)
    expect(states[1]?.credentialScope).toBe(states[0]?.credentialScope)
    expect(results.map((result) => (result.data as { auth: string }).auth)).toEqual([
      'Bearer inner-token',
      'Bearer inner-token',
    ])
  })
})

describe('what is never merged', () => {
  it('POST, even identical and concurrent', async () => {
    const api = client()
    await Promise.all([api.post('/slow/post', { json: { a: 1 } }), api.post('/slow/post', { json: { a: 1 } })])
    expect(seen('/slow/post')).toBe(2)
  })

  it('different URLs, a different Accept, a different Authorization', async () => {
    const api = client()
    const [, , results] = await Promise.all([
      Promise.all([api.get('/slow/u1'), api.get('/slow/u2')]),
      Promise.all([
        api.get('/slow/accept', { headers: { accept: 'application/json' } }),
        api.get('/slow/accept', { headers: { accept: 'text/plain' } }),
      ]),
      Promise.all([
        api.get('/slow/auth', { headers: { authorization: 'Bearer alice' } }),
        api.get('/slow/auth', { headers: { authorization: 'Bearer bob' } }),
        api.get('/slow/auth', { headers: { authorization: 'Bearer alice' } }),
      ]),
    ])
    expect([seen('/slow/u1'), seen('/slow/u2')]).toEqual([1, 1])
    expect(seen('/slow/accept')).toBe(2)
    expect(seen('/slow/auth')).toBe(2)
    expect(results.map((result) => (result.data as { auth: string }).auth)).toEqual([
      'Bearer alice',
      'Bearer bob',
      'Bearer alice',
    ])
  })

  it('different values of a secret header (an API key the caller sets itself): Bob never gets Alice’s answer', async () => {
    // An auth middleware registers its header as secret process-wide; a call may also carry a
    // key of its own under that name, which no auth middleware declares for the call.
    redactHeader('X-Dedupe-Key')
    const api = client()
    const [alice, bob, aliceAgain] = await Promise.all([
      api.get('/slow/own-key', { headers: { 'x-dedupe-key': 'alice-key-1111' } }),
      api.get('/slow/own-key', { headers: { 'x-dedupe-key': 'bob-key-2222' } }),
      api.get('/slow/own-key', { headers: { 'x-dedupe-key': 'alice-key-1111' } }),
    ])
    expect(seen('/slow/own-key')).toBe(2)
    const keys = server.requests.filter((r) => r.url === '/slow/own-key').map((r) => r.headers['x-dedupe-key'])
    expect(keys.sort()).toEqual(['alice-key-1111', 'bob-key-2222'])
    expect(alice.headers.get('x-n')).toBe(aliceAgain.headers.get('x-n'))
    expect(bob.headers.get('x-n')).not.toBe(alice.headers.get('x-n'))
  })

  it('a configured header, a key function that returns undefined, a call with dedupe: false', async () => {
    const byTenant = client({ headers: ['X-Tenant'] })
    const never = client({ key: () => undefined })
    const api = client()
    await Promise.all([
      byTenant.get('/slow/tenant', { headers: { 'x-tenant': 'a' } }),
      byTenant.get('/slow/tenant', { headers: { 'x-tenant': 'b' } }),
      never.get('/slow/no-key'),
      never.get('/slow/no-key'),
      api.get('/slow/opt-out', { dedupe: false }),
      api.get('/slow/opt-out'),
    ])
    expect(seen('/slow/tenant')).toBe(2)
    expect(seen('/slow/no-key')).toBe(2)
    expect(seen('/slow/opt-out')).toBe(2)
  })

  it('unsafe methods cannot be configured', () => {
    expect(() => dedupe({ methods: ['GET', 'POST'] })).toThrow(ConfigError)
    expect(() => dedupe({ methods: ['patch'] })).toThrow(ConfigError)
    expect(() => dedupe({ headers: ['not a header'] })).toThrow(ConfigError)
    expect(() => dedupe({ methods: ['get', 'options'] })).not.toThrow()
  })
})

describe('aborts', () => {
  const three = (path: string) => {
    const controllers = [new AbortController(), new AbortController(), new AbortController()]
    const api = client()
    const calls = controllers.map((controller) => api.get<{ n: number }>(path, { signal: controller.signal }))
    return { controllers, calls }
  }

  it('an abort by one of three callers rejects that one at once; the others succeed on one request', async () => {
    const arrived = when(arrivals, '/slow/abort-one')
    const { controllers, calls } = three('/slow/abort-one')
    for (const call of calls) call.catch(() => undefined)
    let othersSettled = false
    void calls[0]?.finally(() => {
      othersSettled = true
    })
    await arrived // the server answers DELAY ms later
    const reason = new Error('caller 2 gave up')
    controllers[1]?.abort(reason)
    const error = await calls[1]?.catch((caught: unknown) => caught)
    // At once: before the shared request's answer settles the others.
    expect(othersSettled).toBe(false)
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).cause).toBe(reason)
    expect((error as AbortError).request).toEqual({ method: 'GET', url: `${server.url}/slow/abort-one` })
    const [first, , third] = (await Promise.allSettled(calls)) as PromiseSettledResult<ApiResponse<{ n: number }>>[]
    expect(first?.status).toBe('fulfilled')
    expect(third?.status).toBe('fulfilled')
    expect(seen('/slow/abort-one')).toBe(1)
  })

  it('the caller that sent the request may abort; the others still get the answer', async () => {
    const arrived = when(arrivals, '/slow/abort-leader')
    const { controllers, calls } = three('/slow/abort-leader')
    for (const call of calls) call.catch(() => undefined)
    await arrived // the server answers DELAY ms later
    controllers[0]?.abort()
    await expect(calls[0]).rejects.toBeInstanceOf(AbortError)
    const rest = await Promise.all(calls.slice(1))
    expect(rest.map((result) => result.status)).toEqual([200, 200])
    expect(seen('/slow/abort-leader')).toBe(1)
  })

  it('when every caller aborts, the shared request is aborted too', async () => {
    const arrived = when(arrivals, '/hang/all')
    const closed = when(closes, '/hang/all')
    const { controllers, calls } = three('/hang/all')
    for (const call of calls) call.catch(() => undefined)
    await arrived
    for (const controller of controllers) controller.abort()
    expect(made.at(-1)?.inFlight).toBe(0) // gone at once: a new request would not join a dying call
    const errors = await Promise.all(calls.map((call) => call.catch((caught: unknown) => caught)))
    for (const error of errors) expect(error).toBeInstanceOf(AbortError)
    await closed // the server saw the connection close
    expect(seen('/hang/all')).toBe(1)
  })

  it('a signal aborted before the call rejects at once without a request', async () => {
    await expect(client().get('/slow/pre-aborted', { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(AbortError)
    expect(seen('/slow/pre-aborted')).toBe(0)
  })
})

describe('errors reach every caller', () => {
  it('a 500: every caller rejects with an HttpError 500 and its body; one request', async () => {
    const api = client()
    const errors = await Promise.all(Array.from({ length: 3 }, () => api.get('/fail/x').catch((e: unknown) => e)))
    expect(seen('/fail/x')).toBe(1)
    for (const error of errors) {
      expect(error).toBeInstanceOf(HttpError)
      expect((error as HttpError).status).toBe(500)
      expect((error as HttpError).data).toEqual({ message: 'boom' })
    }
    await api.get('/fail/x').catch(() => undefined)
    expect(seen('/fail/x')).toBe(2)
  })

  it('connection refused: every caller rejects with the same NetworkError; the next call tries again', async () => {
    const gone = await startServer(() => undefined)
    await gone.close()
    const api = createClient({ baseUrl: gone.url }).use(tracked())
    const errors = await Promise.all(Array.from({ length: 3 }, () => api.get('/x').catch((e: unknown) => e)))
    expect(errors[0]).toBeInstanceOf(NetworkError)
    expect(errors[1]).toBe(errors[0])
    expect(errors[2]).toBe(errors[0])
    const later = await api.get('/x').catch((e: unknown) => e)
    expect(later).toBeInstanceOf(NetworkError)
    expect(later).not.toBe(errors[0])
  })
})

describe('the key', () => {
  const ctxOf = (url: string, headers: Record<string, string> = {}, init: Partial<Context> = {}): Context => ({
    request: new PlyRequest({
      method: 'GET',
      url: new URL(url),
      headers: new Headers(headers),
      timeout: 1000,
      options: {},
    }),
    response: undefined,
    parsed: undefined,
    deadline: undefined,
    attempts: 0,
    cacheStatus: 'bypass',
    events: SILENT,
    facts: {},
    raw: false,
    state: {},
    ...init,
  })

  it('holds neither the Authorization token nor a query token in clear', () => {
    const ctx = ctxOf('https://api.example.com/x?token=qs-secret-456', { authorization: 'Bearer sekrit-token-123' })
    const key = dedupeKey(ctx)
    expect(key).toMatch(/^[\w-]{43}$/)
    expect(key).not.toContain('sekrit')
    expect(key).not.toContain('qs-secret')
    expect(key).not.toContain('api.example.com')
  })

  it('is stable for the same request, and differs by credential, credential scope and query', () => {
    const url = 'https://api.example.com/x?token=one'
    const key = (ctx: Context) => dedupeKey(ctx)
    expect(key(ctxOf(url, { authorization: 'Bearer a' }))).toBe(key(ctxOf(url, { authorization: 'Bearer a' })))
    expect(key(ctxOf(`${url}#fragment`))).toBe(key(ctxOf(url)))
    expect(key(ctxOf(url, { authorization: 'Bearer a' }))).not.toBe(key(ctxOf(url, { authorization: 'Bearer b' })))
    expect(key(ctxOf(url, { cookie: 'sid=1' }))).not.toBe(key(ctxOf(url, { cookie: 'sid=2' })))
    expect(key(ctxOf(url))).not.toBe(key(ctxOf('https://api.example.com/x?token=two')))
    expect(key(ctxOf(url, {}, { state: { credentialScope: 'bearer:A' } }))).not.toBe(
      key(ctxOf(url, {}, { state: { credentialScope: 'bearer:B' } })),
    )
    // Different per-attempt timeouts or deadlines are different calls.
    const timed = (timeout: number, deadline?: number) => {
      const ctx = ctxOf(url)
      const options = deadline === undefined ? {} : { deadline }
      const request = new PlyRequest({ method: 'GET', url: new URL(url), headers: new Headers(), timeout, options })
      return dedupeKey({ ...ctx, request })
    }
    expect(timed(1000)).toBe(key(ctxOf(url)))
    expect(timed(2000)).not.toBe(timed(1000))
    expect(timed(1000, 5000)).not.toBe(timed(1000))
    expect(timed(1000, 5000)).not.toBe(timed(1000, 6000))
    // A header that does not matter by default does not split calls.
    expect(key(ctxOf(url, { 'x-trace': '1' }))).toBe(key(ctxOf(url, { 'x-trace': '2' })))
  })

  it('differs by every secret header, hashed, whether or not auth declared it for the call', () => {
    const url = 'https://api.example.com/x'
    auth.apiKey({ header: 'X-Key-Of-Test' }, 'registered-elsewhere-1')
    const alice = dedupeKey(ctxOf(url, { 'x-key-of-test': 'alice-key-1111' }))
    const bob = dedupeKey(ctxOf(url, { 'x-key-of-test': 'bob-key-2222' }))
    expect(alice).not.toBe(bob)
    expect(alice).toBe(dedupeKey(ctxOf(url, { 'x-key-of-test': 'alice-key-1111' })))
    expect(`${alice} ${bob}`).not.toMatch(/alice|bob|key/)
  })

  it('is undefined for a request with a body or another method, even with a key function', () => {
    const post = ctxOf('https://api.example.com/x')
    post.request.method = 'POST'
    expect(dedupeKey(post)).toBeUndefined()
    expect(dedupeKey(post, { key: () => 'always' })).toBeUndefined()
    const withBody = ctxOf('https://api.example.com/x')
    withBody.request.body = 'payload'
    expect(dedupeKey(withBody)).toBeUndefined()
  })

  it('hashes what a key function returns', () => {
    const key = dedupeKey(ctxOf('https://api.example.com/x'), { key: () => 'tenant-secret-789' })
    expect(key).toMatch(/^[\w-]{43}$/)
    expect(key).not.toContain('tenant-secret')
  })
})
