import { inspect } from 'node:util'
import { stdSerializers } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { retry } from '../../middleware/retry/index.ts'
import {
  ConfigError,
  createClient,
  HttpError,
  type Middleware,
  NetworkError,
  ParseError,
  PlyError,
  RedirectError,
} from '../../src/index.ts'
import { redactHeaders, redactUrl } from '../../src/kit.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let api: TestServer
let other: TestServer
const flaky = new Set<string>()
const OAUTH_ACCESS_TOKEN = 'oauth-at-s3cret-value'
const OAUTH_CLIENT_SECRET = 'oauth-client-s3cret'

beforeAll(async () => {
  other = await startServer((req, res) => sendJson(res, 200, { at: 'other', url: req.url }))
  api = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api')
    if (url.pathname === '/away') {
      res.writeHead(302, { location: `${other.url}/landed?${url.searchParams}` })
      res.end()
      return
    }
    if (url.pathname === '/here') {
      res.writeHead(302, { location: `/landed?${url.searchParams}` })
      res.end()
      return
    }
    if (url.pathname === '/token') {
      return sendJson(res, 200, { access_token: OAUTH_ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 })
    }
    if (url.pathname === '/flaky') {
      // The first request of each `id` fails with a 503, the next succeeds.
      const id = url.searchParams.get('id') ?? ''
      const first = !flaky.has(id)
      flaky.add(id)
      return sendJson(res, first ? 503 : 200, {})
    }
    // Whatever credential the request carries, as some servers echo it back.
    const credential = String(
      req.headers.authorization ?? req.headers['x-secret-key'] ?? url.searchParams.get('apitoken') ?? '',
    )
    if (url.pathname === '/echo-bad-json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`{"echo":${credential}}`)
      return
    }
    if (url.pathname === '/echo-status') {
      res.writeHead(401, `Bad ${credential}`, { 'content-type': 'text/plain' })
      res.end(`rejected ${credential}`)
      return
    }
    if (url.pathname === '/echo-redirect') {
      res.writeHead(302, { location: `http://u:${encodeURIComponent(credential)}@127.0.0.1:${other.port}/x` })
      res.end()
      return
    }
    if (url.pathname.startsWith('/denied')) return sendJson(res, 401, { message: 'Bad credentials' })
    if (url.pathname === '/echo-denied') {
      // Some APIs echo what they were sent in an error body, credentials included.
      return sendJson(res, 403, {
        message: `rejected ${req.headers.authorization ?? ''}`,
        request: { headers: req.headers, query: Object.fromEntries(url.searchParams), trace: [[url.search]] },
      })
    }
    sendJson(res, 200, { at: 'api', url: req.url })
  })
})
afterAll(async () => {
  await api.close()
  await other.close()
})

const twice: Middleware = async (ctx, next) => {
  await next()
  await ctx.response?.body?.cancel()
  await next()
}

describe('what each scheme puts on the wire', () => {
  it('bearer: Authorization: Bearer <token> on every attempt', async () => {
    const before = api.requests.length
    await createClient({ baseUrl: api.url }).use(twice).use(auth.bearer('tok-123')).get('/x')
    expect(api.requests.slice(before).map((r) => r.headers.authorization)).toEqual(['Bearer tok-123', 'Bearer tok-123'])
  })

  it('bearer: a function is called per attempt, so a rotating token is picked up', async () => {
    const before = api.requests.length
    let n = 0
    const rotating = async () => `rotated-${++n}`
    await createClient({ baseUrl: api.url }).use(twice).use(auth.bearer(rotating)).get('/x')
    expect(api.requests.slice(before).map((r) => r.headers.authorization)).toEqual([
      'Bearer rotated-1',
      'Bearer rotated-2',
    ])
  })

  it('basic: RFC 7617 with UTF-8 credentials', async () => {
    await createClient({ baseUrl: api.url }).use(auth.basic('jörg', 'pässwörd:with:colons')).get('/x')
    const header = api.requests.at(-1)?.headers.authorization ?? ''
    expect(header.startsWith('Basic ')).toBe(true)
    expect(Buffer.from(header.slice(6), 'base64').toString('utf8')).toBe('jörg:pässwörd:with:colons')
  })

  it('apiKey in a header, and in a query parameter next to the call’s own query', async () => {
    await createClient({ baseUrl: api.url })
      .use(auth.apiKey({ header: 'X-API-Key' }, 'key-abc'))
      .get('/x')
    expect(api.requests.at(-1)?.headers['x-api-key']).toBe('key-abc')
    const response = await createClient({ baseUrl: api.url })
      .use(twice)
      .use(auth.apiKey({ query: 'appid' }, 'owm-key-1'))
      .get('/weather', { query: { q: 'London' } })
    // The wire has the key; the response the caller holds (and may log) does not.
    expect(response.url).toBe(`${api.url}/weather?q=London&appid=[REDACTED]`)
    expect(api.requests.slice(-2).map((r) => r.url)).toEqual([
      '/weather?q=London&appid=owm-key-1',
      '/weather?q=London&appid=owm-key-1',
    ])
  })
})

describe('replays by an outer retry()', () => {
  const schemes = [
    ['basic', () => auth.basic('alice', 'retry-pa55word'), 'authorization', `Basic ${btoa('alice:retry-pa55word')}`],
    ['apiKey header', () => auth.apiKey({ header: 'X-API-Key' }, 'retry-key-1'), 'x-api-key', 'retry-key-1'],
  ] as const

  for (const [name, make, header, expected] of schemes) {
    it(`${name}: the credential is on the wire on the second attempt too`, async () => {
      const before = api.requests.length
      const response = await createClient({ baseUrl: api.url })
        .use(retry({ retries: 1, minDelay: 1, maxDelay: 1 }))
        .use(make())
        .get('/flaky', { query: { id: name } })
      expect(response.status).toBe(200)
      expect(response.attempts).toBe(2)
      expect(api.requests.slice(before).map((r) => r.headers[header])).toEqual([expected, expected])
    })
  }
})

describe('credential scope', () => {
  it('is an opaque hash that tells credentials apart, never the secret', async () => {
    const scopes: (string | undefined)[] = []
    const spy: Middleware = async (ctx, next) => {
      await next()
      scopes.push(ctx.state.credentialScope)
    }
    for (const token of ['secret-one', 'secret-one', 'secret-two']) {
      await createClient({ baseUrl: api.url }).use(spy).use(auth.bearer(token)).get('/x')
    }
    await createClient({ baseUrl: api.url }).use(spy).use(auth.basic('u', 'secret-one')).get('/x')
    expect(scopes[0]).toBe(scopes[1])
    expect(new Set(scopes).size).toBe(3)
    for (const scope of scopes) {
      expect(scope).toMatch(/^(bearer|basic):[\w-]{22}$/)
      expect(scope).not.toContain('secret')
    }
  })
})

describe('redirects', () => {
  const schemes = {
    bearer: () => auth.bearer('redir-token'),
    'apiKey header': () => auth.apiKey({ header: 'X-API-Key' }, 'redir-key'),
    'apiKey query': () => auth.apiKey({ query: 'appid' }, 'redir-appid'),
  }

  for (const [name, make] of Object.entries(schemes)) {
    it(`${name}: a 302 to another origin arrives without the credential`, async () => {
      const response = await createClient({ baseUrl: api.url })
        .use(make())
        .get('/away', { query: { q: 'x' } })
      expect(response.data).toMatchObject({ at: 'other' })
      const seen = other.requests.at(-1)
      expect(seen?.headers.authorization).toBeUndefined()
      expect(seen?.headers['x-api-key']).toBeUndefined()
      expect(seen?.url).toBe('/landed?q=x')
    })

    it(`${name}: a same-origin redirect keeps it`, async () => {
      await createClient({ baseUrl: api.url })
        .use(make())
        .get('/here', { query: { q: 'x' } })
      const seen = api.requests.at(-1)
      const carried = [seen?.headers.authorization, seen?.headers['x-api-key'], seen?.url].join(' ')
      expect(carried).toMatch(/redir-token|redir-key|appid=redir-appid/)
    })
  }
})

describe('no secret in errors or log lines', () => {
  const secrets = {
    bearer: { secret: 'bearer-s3cret-value', make: () => auth.bearer('bearer-s3cret-value') },
    basic: { secret: 'basic-pa55word', make: () => auth.basic('alice', 'basic-pa55word') },
    'apiKey header': { secret: 'hdr-k3y-value', make: () => auth.apiKey({ header: 'X-Secret-Key' }, 'hdr-k3y-value') },
    'apiKey query': { secret: 'qry-k3y-value', make: () => auth.apiKey({ query: 'apitoken' }, 'qry-k3y-value') },
    // The access token is what reaches the API; the client secret (sent to the token endpoint
    // as Basic `alice:<secret>`) must not show either.
    oauth2: {
      secret: OAUTH_ACCESS_TOKEN,
      make: () =>
        auth.oauth2({
          grant: 'client_credentials',
          tokenUrl: `${api.url}/token`,
          clientId: 'alice',
          clientSecret: OAUTH_CLIENT_SECRET,
        }),
    },
  }

  function expectClean(error: unknown, secret: string): void {
    expect(error).toBeInstanceOf(PlyError)
    const plyError = error as PlyError
    for (const value of [secret, OAUTH_CLIENT_SECRET]) {
      const basicForm = Buffer.from(`alice:${value}`).toString('base64')
      for (const text of [
        plyError.message,
        JSON.stringify(plyError.request),
        JSON.stringify(plyError),
        inspect(plyError, { depth: 20 }),
        // pino copies an error's enumerable fields and its cause chain's messages and stacks.
        JSON.stringify(stdSerializers.err(plyError)),
      ]) {
        expect(text).not.toContain(value)
        expect(text).not.toContain(basicForm)
      }
    }
  }

  for (const [name, { secret, make }] of Object.entries(secrets)) {
    it(`${name}: HttpError, NetworkError and a log line stay clean`, async () => {
      const http = await createClient({ baseUrl: api.url })
        .use(make())
        .get('/denied')
        .catch((e: unknown) => e)
      expect(http).toBeInstanceOf(HttpError)
      expectClean(http, secret)

      const closed = await startServer(() => {})
      await closed.close()
      let logLine = ''
      const logger: Middleware = async (ctx, next) => {
        try {
          await next()
        } finally {
          logLine = `${ctx.request.method} ${redactUrl(ctx.request.peekUrl())} ${JSON.stringify(redactHeaders(ctx.request.peekHeaders()))}`
        }
      }
      const inner: Middleware = async (ctx, next) => {
        await next()
        logLine = `${redactUrl(ctx.request.peekUrl())} ${JSON.stringify(redactHeaders(ctx.request.peekHeaders()))}`
      }
      const network = await createClient({ baseUrl: closed.url })
        .use(logger)
        .use(make())
        .use(inner)
        .get('/x')
        .catch((e: unknown) => e)
      expect(network).toBeInstanceOf(NetworkError)
      expectClean(network, secret)
      expect(logLine).not.toBe('')
      expect(logLine).not.toContain(secret)
    })
  }

  for (const [name, { secret, make }] of Object.entries(secrets)) {
    it(`${name}: a server that echoes the credential in its error body does not leak it through the error`, async () => {
      const error = await createClient({ baseUrl: api.url })
        .use(make())
        .get('/echo-denied')
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(HttpError)
      // The body itself stays as the server sent it, for the program to read...
      const basicForm = Buffer.from(`alice:${secret}`).toString('base64')
      expect(JSON.stringify((error as HttpError).data)).toMatch(new RegExp(`${secret}|${basicForm}`))
      // ...but the serialised and inspected error masks it.
      expectClean(error, secret)
      expect(JSON.stringify(error)).toContain('[REDACTED]')
    })
  }

  for (const [name, { secret, make }] of Object.entries(secrets)) {
    it(`${name}: errors whose causes quote what the server sent stay clean, cause chains included`, async () => {
      const client = createClient({ baseUrl: api.url }).use(make())
      const parse = await client.get('/echo-bad-json').catch((e: unknown) => e)
      expect(parse).toBeInstanceOf(ParseError)
      expectClean(parse, secret)
      const status = await client.get('/echo-status').catch((e: unknown) => e)
      expect(status).toBeInstanceOf(HttpError)
      expect((status as HttpError).statusText).toMatch(/^Bad /)
      expectClean(status, secret)
      const redirect = await client.get('/echo-redirect').catch((e: unknown) => e)
      expect(redirect).toBeInstanceOf(RedirectError)
      expect((redirect as RedirectError).reason).toBe('bad-location')
      expectClean(redirect, secret)
    })
  }

  it('masks a registered secret wherever it lands, the path included', async () => {
    const error = await createClient({ baseUrl: api.url })
      .use(auth.bearer('path-leaked-token'))
      .get('/denied/{id}', { params: { id: 'path-leaked-token' } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).message).not.toContain('path-leaked-token')
    expect(JSON.stringify(error)).not.toContain('path-leaked-token')
  })
})

describe('bad configuration is a ConfigError at construction, without the secret', () => {
  it.each([
    ['an empty bearer token', () => auth.bearer('')],
    ['a bearer token with a line break', () => auth.bearer('abc\r\nx-evil: 1')],
    ['a Basic user name with a colon', () => auth.basic('a:b', 'pw-secret')],
    ['an empty Basic user name', () => auth.basic('', 'pw-secret')],
    ['a Basic password with a control character', () => auth.basic('a', 'pw\u0000secret')],
    ['both header and query for an API key', () => auth.apiKey({ header: 'X-Key', query: 'k' } as never, 'key-secret')],
    ['neither header nor query for an API key', () => auth.apiKey({} as never, 'key-secret')],
    ['an invalid API key header name', () => auth.apiKey({ header: 'X Key' }, 'key-secret')],
    ['an empty API key', () => auth.apiKey({ header: 'X-Key' }, '')],
  ])('%s', (_name, make) => {
    expect(make).toThrow(ConfigError)
    try {
      make()
    } catch (error) {
      expect((error as Error).message).not.toMatch(/secret/)
    }
  })

  it('a function that returns an empty token fails the call, before sending', async () => {
    const before = api.requests.length
    await expect(
      createClient({ baseUrl: api.url })
        .use(auth.bearer(() => ''))
        .get('/x'),
    ).rejects.toThrow(ConfigError)
    expect(api.requests.length).toBe(before)
  })
})
