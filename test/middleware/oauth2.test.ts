import type { ServerResponse } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { inspect } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type OAuth2Options, oauth2 } from '../../middleware/auth/oauth2/index.ts'
import {
  AbortError,
  AuthError,
  ConfigError,
  type Context,
  createClient,
  type FetchFunction,
  HttpError,
  type Middleware,
  TimeoutError,
} from '../../src/index.ts'
import { REDACTED, redactText } from '../../src/kit.ts'
import { type SeenRequest, sendJson, startServer, type TestServer } from '../support/server.ts'

const SECRET = 's&cret é-client-secret-9f3a'
const REFRESH = 'rt-initial-refresh-token-77c1'

type TokenHandler = (form: URLSearchParams, res: ServerResponse, call: number) => void | Promise<void>
type ApiHandler = (authorization: string | undefined, res: ServerResponse, call: number) => void

let tokenServer: TestServer
let apiServer: TestServer
let closedUrl: string
let onToken: TokenHandler
let onApi: ApiHandler
let hanging: ServerResponse[] = []

/** Answers every token request with a fresh token `tok-<n>`. */
const freshTokens: TokenHandler = (_form, res, call) =>
  sendJson(res, 200, { access_token: `tok-${call}`, token_type: 'Bearer', expires_in: 3600 })
/** Accepts any bearer token. */
const acceptAll: ApiHandler = (authorization, res) => sendJson(res, 200, { authorization })

beforeAll(async () => {
  tokenServer = await startServer(async (req, res) => {
    await onToken(new URLSearchParams(req.body), res, tokenServer.requests.length)
  })
  apiServer = await startServer((req, res) => onApi(req.headers.authorization, res, apiServer.requests.length))
  const closed = await startServer(() => {})
  closedUrl = closed.url
  await closed.close()
})
afterAll(async () => {
  await tokenServer.close()
  await apiServer.close()
})
beforeEach(() => {
  tokenServer.requests.length = 0
  apiServer.requests.length = 0
  onToken = freshTokens
  onApi = acceptAll
})
afterEach(() => {
  vi.useRealTimers()
  for (const res of hanging) res.destroy()
  hanging = []
})

const clientCredentials = (extra: Partial<OAuth2Options> = {}): OAuth2Options =>
  ({
    grant: 'client_credentials',
    tokenUrl: `${tokenServer.url}/token`,
    clientId: 'my-client',
    clientSecret: SECRET,
    ...extra,
  }) as OAuth2Options

const refreshGrant = (extra: Partial<OAuth2Options> = {}): OAuth2Options =>
  ({
    grant: 'refresh_token',
    tokenUrl: `${tokenServer.url}/token`,
    clientId: 'my-client',
    refreshToken: REFRESH,
    ...extra,
  }) as OAuth2Options

const apiWith = (options: OAuth2Options, ...outer: Middleware[]) => {
  const client = createClient({ baseUrl: apiServer.url })
  for (const middleware of outer) client.use(middleware)
  return client.use(oauth2(options))
}

/** `global.gc`, made available inside this worker (vitest runs without --expose-gc). */
function exposedGc(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

const form = (seen: SeenRequest | undefined): URLSearchParams => new URLSearchParams(seen?.body)
const bearerSeen = (): (string | undefined)[] => apiServer.requests.map((r) => r.headers.authorization)

/** Asserts that none of the secrets shows in the error's message, JSON or inspected form. */
function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const views = [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 10 })]
  for (const view of views) {
    for (const secret of secrets) {
      expect(view).not.toContain(secret)
      expect(view).not.toContain(encodeURIComponent(secret))
    }
  }
}

describe('auth.oauth2: client credentials', () => {
  it('sends Bearer to the API, and grant_type, scope and RFC 6749 §2.3.1 Basic client auth to the token endpoint', async () => {
    const client = apiWith(
      clientCredentials({ clientId: 'a:b', scope: ['read', 'write'], extraParams: { audience: 'https://api' } }),
    )
    const response = await client.get('/things')
    expect(response.data).toEqual({ authorization: 'Bearer tok-1' })

    const [token] = tokenServer.requests
    expect(token?.method).toBe('POST')
    expect(token?.url).toBe('/token')
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(token?.headers.accept).toBe('application/json')
    const basic = token?.headers.authorization ?? ''
    expect(basic.startsWith('Basic ')).toBe(true)
    // Each part form-urlencoded before base64: ':' → %3A, '&' → %26, ' ' → '+', 'é' → %C3%A9.
    expect(Buffer.from(basic.slice(6), 'base64').toString('utf8')).toBe('a%3Ab:s%26cret+%C3%A9-client-secret-9f3a')
    const body = form(token)
    expect(body.get('grant_type')).toBe('client_credentials')
    expect(body.get('scope')).toBe('read write')
    expect(body.get('audience')).toBe('https://api')
    expect(body.has('client_id')).toBe(false)
    expect(body.has('client_secret')).toBe(false)
  })

  it("clientAuth: 'body' puts client_id and client_secret in the form, with no Authorization header", async () => {
    await apiWith(clientCredentials({ clientAuth: 'body', scope: 'read' })).get('/')
    const [token] = tokenServer.requests
    expect(token?.headers.authorization).toBeUndefined()
    const body = form(token)
    expect(body.get('client_id')).toBe('my-client')
    expect(body.get('client_secret')).toBe(SECRET)
    expect(body.get('scope')).toBe('read')
  })

  it('50 concurrent requests without a token cause exactly one token request', async () => {
    onToken = async (_form, res, call) => {
      await delay(20)
      sendJson(res, 200, { access_token: `tok-${call}`, token_type: 'bearer', expires_in: 3600 })
    }
    const client = apiWith(clientCredentials())
    const responses = await Promise.all(Array.from({ length: 50 }, () => client.get('/')))
    expect(tokenServer.requests).toHaveLength(1)
    expect(responses.every((r) => r.status === 200)).toBe(true)
    expect(new Set(bearerSeen())).toEqual(new Set(['Bearer tok-1']))
  })

  it('with globalThis.fetch = api.fetch, the token request still goes straight to the token endpoint', async () => {
    const client = apiWith(clientCredentials())
    const original = globalThis.fetch
    try {
      globalThis.fetch = client.fetch
      const response = await fetch(`${apiServer.url}/through-global`)
      expect(await response.json()).toEqual({ authorization: 'Bearer tok-1' })
    } finally {
      globalThis.fetch = original
    }
    expect(tokenServer.requests).toHaveLength(1)
    expect(bearerSeen()).toEqual(['Bearer tok-1'])
  })

  it('50 concurrent requests with an expired token cause exactly one new token request', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const client = apiWith(clientCredentials())
    await client.get('/')
    vi.setSystemTime(Date.now() + 3600_000)
    await Promise.all(Array.from({ length: 50 }, () => client.get('/')))
    expect(tokenServer.requests).toHaveLength(2)
    expect(bearerSeen().slice(1)).toEqual(Array.from({ length: 50 }, () => 'Bearer tok-2'))
  })

  it('reuses the token until refreshMarginMs (default 60 s) before expires_in, then fetches exactly one new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.now()
    const client = apiWith(clientCredentials())
    await client.get('/')
    vi.setSystemTime(start + 3539_000)
    await client.get('/')
    await client.get('/')
    expect(tokenServer.requests).toHaveLength(1)
    vi.setSystemTime(start + 3541_000)
    await client.get('/')
    await client.get('/')
    expect(tokenServer.requests).toHaveLength(2)
    expect(bearerSeen()).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2'])
  })

  it('renews a short-lived token half-way through its lifetime at the latest', async () => {
    onToken = (_form, res, call) =>
      sendJson(res, 200, { access_token: `tok-${call}`, token_type: 'Bearer', expires_in: 60 })
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = Date.now()
    const client = apiWith(clientCredentials())
    await client.get('/')
    vi.setSystemTime(start + 29_000)
    await client.get('/')
    expect(tokenServer.requests).toHaveLength(1)
    vi.setSystemTime(start + 31_000)
    await client.get('/')
    expect(tokenServer.requests).toHaveLength(2)
  })

  it('keeps a token without expires_in until a 401', async () => {
    onToken = (_form, res, call) => sendJson(res, 200, { access_token: `tok-${call}`, token_type: 'Bearer' })
    vi.useFakeTimers({ toFake: ['Date'] })
    const client = apiWith(clientCredentials())
    await client.get('/')
    vi.setSystemTime(Date.now() + 365 * 86_400_000)
    await client.get('/')
    expect(tokenServer.requests).toHaveLength(1)
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer tok-1' ? 401 : 200, {})
    await client.get('/')
    expect(tokenServer.requests).toHaveLength(2)
  })
})

describe('auth.oauth2: 401 from the API', () => {
  it('fetches a new token and replays once; the replay carries the new token', async () => {
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer tok-1' ? 401 : 200, { authorization })
    const response = await apiWith(clientCredentials()).get('/')
    expect(response.data).toEqual({ authorization: 'Bearer tok-2' })
    expect(bearerSeen()).toEqual(['Bearer tok-1', 'Bearer tok-2'])
    expect(tokenServer.requests).toHaveLength(2)
    expect(response.attempts).toBe(2)
  })

  it('returns a second 401 as HttpError: exactly 2 API calls and 2 token calls, no loop', async () => {
    onApi = (_authorization, res) => sendJson(res, 401, { message: 'nope' })
    const error = await apiWith(clientCredentials())
      .get('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(401)
    expect(apiServer.requests).toHaveLength(2)
    expect(tokenServer.requests).toHaveLength(2)
    expectNoSecrets(error, [SECRET, 'tok-1', 'tok-2'])
  })

  it('concurrent 401s with the same token share one refresh', async () => {
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer tok-1' ? 401 : 200, {})
    const client = apiWith(clientCredentials())
    await Promise.all(Array.from({ length: 10 }, () => client.get('/')))
    expect(tokenServer.requests).toHaveLength(2)
    expect(bearerSeen().filter((b) => b === 'Bearer tok-2')).toHaveLength(10)
  })

  it('a late 401 for an old token does not discard the token another request already renewed', async () => {
    onApi = (authorization, res, call) => {
      if (authorization !== 'Bearer tok-1') return sendJson(res, 200, {})
      // The first request's refusal arrives after the second one has refreshed and replayed.
      if (call === 1) setTimeout(() => sendJson(res, 401, {}), 80)
      else sendJson(res, 401, {})
    }
    const client = apiWith(clientCredentials())
    await Promise.all([client.get('/'), client.get('/')])
    expect(tokenServer.requests).toHaveLength(2)
    expect(bearerSeen()).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2', 'Bearer tok-2'])
  })

  it('replays for client.fetch() too, whose body is left unread', async () => {
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer tok-1' ? 401 : 200, { authorization })
    const response = await apiWith(clientCredentials()).fetch('/raw')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ authorization: 'Bearer tok-2' })
    expect(apiServer.requests).toHaveLength(2)
  })

  it('does not replay a request whose body is a ReadableStream', async () => {
    onApi = (_authorization, res) => sendJson(res, 401, {})
    const body = new Blob(['streamed']).stream()
    const error = await apiWith(clientCredentials())
      .post('/upload', { body })
      .catch((e: unknown) => e)
    expect((error as HttpError).status).toBe(401)
    expect(apiServer.requests).toHaveLength(1)
    expect(tokenServer.requests).toHaveLength(1)
  })
})

describe('auth.oauth2: refresh token grant', () => {
  it('sends grant_type=refresh_token with the refresh token, and uses a rotated one on the next refresh', async () => {
    onToken = (_form, res, call) =>
      sendJson(res, 200, {
        access_token: `tok-${call}`,
        token_type: 'Bearer',
        expires_in: 3600,
        refresh_token: `rt-rotated-${call}`,
      })
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer tok-1' ? 401 : 200, {})
    const client = apiWith(refreshGrant())
    await client.get('/')
    const [first, second] = tokenServer.requests.map(form)
    expect(first?.get('grant_type')).toBe('refresh_token')
    expect(first?.get('refresh_token')).toBe(REFRESH)
    // A public client (no secret) identifies itself with client_id in the form.
    expect(first?.get('client_id')).toBe('my-client')
    expect(tokenServer.requests[0]?.headers.authorization).toBeUndefined()
    expect(second?.get('refresh_token')).toBe('rt-rotated-1')
  })

  it('keeps the refresh token when the response carries none', async () => {
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer tok-1' ? 401 : 200, {})
    await apiWith(refreshGrant({ clientSecret: SECRET })).get('/')
    const refreshTokens = tokenServer.requests.map((r) => form(r).get('refresh_token'))
    expect(refreshTokens).toEqual([REFRESH, REFRESH])
    expect(tokenServer.requests[0]?.headers.authorization?.startsWith('Basic ')).toBe(true)
  })
})

describe('auth.oauth2: token endpoint failures', () => {
  it('invalid_client gives AuthError with the RFC 6749 §5.2 fields and no secret anywhere', async () => {
    onToken = (_form, res) =>
      sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' })
    const error = await apiWith(refreshGrant({ clientSecret: SECRET }))
      .get('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    const auth = error as AuthError
    expect(auth.error).toBe('invalid_client')
    expect(auth.errorDescription).toBe('Client authentication failed')
    expect(auth.status).toBe(401)
    expect(auth.message).toBe(
      'the token endpoint refused the refresh token grant: invalid_client (Client authentication failed)',
    )
    expect(auth.request?.url).toBe(`${tokenServer.url}/token`)
    expect(apiServer.requests).toHaveLength(0)
    expectNoSecrets(error, [SECRET, REFRESH])
  })

  it('a failure rejects every waiter with the same AuthError and is not cached', async () => {
    onToken = async (_form, res) => {
      await delay(20)
      sendJson(res, 400, { error: 'invalid_scope' })
    }
    const client = apiWith(clientCredentials())
    const errors = await Promise.all(Array.from({ length: 5 }, () => client.get('/').catch((e: unknown) => e)))
    expect(new Set(errors).size).toBe(1)
    expect((errors[0] as AuthError).error).toBe('invalid_scope')
    expect(tokenServer.requests).toHaveLength(1)
    onToken = freshTokens
    expect((await client.get('/')).status).toBe(200)
    expect(tokenServer.requests).toHaveLength(2)
  })

  it('a token endpoint that is down gives AuthError with a cause and no secret', async () => {
    const error = await apiWith(clientCredentials({ tokenUrl: `${closedUrl}/token` }))
      .get('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).cause).toBeDefined()
    expect((error as AuthError).message).toMatch(/could not be reached: .*ECONNREFUSED/)
    expectNoSecrets(error, [SECRET])
  })

  it('a token endpoint that echoes the secret in malformed JSON gives AuthError with no secret', async () => {
    onToken = (body, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`{"access_token": "tok-x", "oops" ${body.toString()}`)
    }
    const error = await apiWith(refreshGrant({ clientSecret: SECRET, clientAuth: 'body' }))
      .get('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).status).toBe(200)
    expect((error as AuthError).message).toMatch(/not with a JSON object/)
    expectNoSecrets(error, [SECRET, REFRESH, 'tok-x'])
  })

  it('a 200 without access_token, or with a token_type other than Bearer, is an AuthError', async () => {
    onToken = (_form, res) => sendJson(res, 200, { token_type: 'Bearer' })
    const missing = await apiWith(clientCredentials())
      .get('/')
      .catch((e: unknown) => e)
    expect((missing as AuthError).message).toMatch(/has no access_token/)
    onToken = (_form, res) => sendJson(res, 200, { access_token: 'tok-mac-4242', token_type: 'mac' })
    const mac = await apiWith(clientCredentials())
      .get('/')
      .catch((e: unknown) => e)
    expect(mac).toBeInstanceOf(AuthError)
    expect((mac as AuthError).message).toMatch(/token_type "mac"/)
    expectNoSecrets(mac, [SECRET, 'tok-mac-4242'])
    expect(apiServer.requests).toHaveLength(0)
  })

  it('a token endpoint that does not answer in tokenTimeoutMs gives AuthError with the timeout as cause', async () => {
    onToken = (_form, res) => {
      hanging.push(res)
    }
    const error = await apiWith(clientCredentials({ tokenTimeoutMs: 100 }))
      .get('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).message).toMatch(/no answer within 100 ms/)
    expect(((error as AuthError).cause as Error).name).toBe('TimeoutError')
    expectNoSecrets(error, [SECRET])
  })

  it('tokenTimeoutMs holds while garbage collection runs during the wait', async () => {
    // undici follows the signal of a `Request` object only while that object lives: with the
    // signal inside a collected Request, the token request hung until undici's own 300 s.
    const gc = exposedGc()
    onToken = (_form, res) => {
      hanging.push(res)
    }
    const collecting = setInterval(gc, 20)
    const error = await apiWith(clientCredentials({ tokenTimeoutMs: 200 }))
      .get('/')
      .catch((e: unknown) => e)
    clearInterval(collecting)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).message).toMatch(/no answer within 200 ms/)
  })

  it('tokenTimeoutMs holds against a fetch that ignores the signal, for the response and for its body', async () => {
    const never: FetchFunction = () => new Promise<Response>(() => {})
    const endless: FetchFunction = async () =>
      new Response(new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode('{')) }), {
        headers: { 'content-type': 'application/json' },
      })
    for (const fetch of [never, endless]) {
      const client = apiWith(clientCredentials({ tokenTimeoutMs: 200, fetch }))
      const errors = await Promise.all([1, 2, 3].map(() => client.get('/').catch((e: unknown) => e)))
      // Every call waiting on the shared token request gets the same AuthError, in time.
      expect(new Set(errors).size).toBe(1)
      expect(errors[0]).toBeInstanceOf(AuthError)
      expect((errors[0] as AuthError).message).toMatch(/no answer within 200 ms/)
      expect(((errors[0] as AuthError).cause as Error).name).toBe('TimeoutError')
    }
    expect(apiServer.requests).toHaveLength(0)
  })

  it("the call's deadline bounds the wait for a token; the shared token request goes on for the others", async () => {
    let tokenSent = false
    onToken = async (_form, res) => {
      await delay(600)
      tokenSent = true
      sendJson(res, 200, { access_token: 'tok-late', token_type: 'Bearer', expires_in: 3600 })
    }
    const client = apiWith(clientCredentials())
    const started = performance.now()
    let hurriedBeforeToken = false
    const [hurried, patient] = await Promise.all([
      client
        .get('/', { deadline: 150 })
        .catch((e: unknown) => e)
        .finally(() => {
          hurriedBeforeToken = !tokenSent
        }),
      client.get('/'),
    ])
    expect(hurried).toBeInstanceOf(TimeoutError)
    expect((hurried as TimeoutError).message).toMatch(/deadline of 150 ms/)
    // At its deadline, not when the token arrived.
    expect(hurriedBeforeToken).toBe(true)
    expect(patient.status).toBe(200)
    expect(performance.now() - started).toBeGreaterThanOrEqual(550)
    expect(tokenServer.requests).toHaveLength(1)
    expect(bearerSeen()).toEqual(['Bearer tok-late'])
  })

  it('a deadline that passes while waiting for the token fails within it', async () => {
    onToken = (_form, res) => {
      hanging.push(res)
    }
    const error = await apiWith(clientCredentials())
      .get('/', { deadline: 200 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toMatch(/deadline of 200 ms/)
  })

  it("the caller's signal stops the wait for a token with an AbortError", async () => {
    onToken = (_form, res) => {
      hanging.push(res)
    }
    const error = await apiWith(clientCredentials({ tokenTimeoutMs: 200 }))
      .get('/', { signal: AbortSignal.timeout(30) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AbortError)
  })
})

describe('auth.oauth2: redaction', () => {
  it('registers the client secret, every access token and every refresh token as secrets', async () => {
    const secret = 'cs-redaction-check-5d1e'
    onToken = (_form, res, call) =>
      sendJson(res, 200, {
        access_token: `at-redaction-${call}`,
        token_type: 'Bearer',
        refresh_token: `rt-redaction-${call}`,
      })
    onApi = (authorization, res) => sendJson(res, authorization === 'Bearer at-redaction-1' ? 401 : 200, {})
    await apiWith(refreshGrant({ clientSecret: secret, refreshToken: 'rt-redaction-0' })).get('/')
    const line = `secret=${secret} ${encodeURIComponent(secret)} at-redaction-1 at-redaction-2 rt-redaction-0 rt-redaction-1 rt-redaction-2`
    expect(redactText(line)).toBe(
      `secret=${REDACTED} ${REDACTED} ${Array.from({ length: 5 }, () => REDACTED).join(' ')}`,
    )
  })
})

describe('auth.oauth2: in the onion', () => {
  it('signs every attempt afresh when an outer middleware calls next() twice', async () => {
    const outerSaw: (string | null)[] = []
    const twice: Middleware = async (ctx, next) => {
      await next()
      outerSaw.push(ctx.request.headers.get('authorization'))
      await next()
      outerSaw.push(ctx.request.headers.get('authorization'))
    }
    // In between: a middleware that drops the header on the way out of each attempt.
    const scrub: Middleware = async (ctx, next) => {
      await next()
      ctx.request.headers.delete('authorization')
    }
    await apiWith(clientCredentials(), twice, scrub).get('/')
    expect(bearerSeen()).toEqual(['Bearer tok-1', 'Bearer tok-1'])
    expect(outerSaw).toEqual([null, null])
    expect(tokenServer.requests).toHaveLength(1)
  })

  it('records a credential scope that names the client, not the token, and survives a refresh', async () => {
    const scopes: (string | undefined)[] = []
    const spy: Middleware = async (ctx: Context, next) => {
      await next()
      scopes.push(ctx.state.credentialScope)
      expect(ctx.state.credentialHeaders?.has('authorization')).toBe(true)
    }
    onApi = (authorization, res, call) => sendJson(res, authorization === 'Bearer tok-1' && call === 1 ? 401 : 200, {})
    const client = apiWith(clientCredentials(), spy)
    await client.get('/')
    await client.get('/')
    await apiWith(clientCredentials({ clientId: 'other-client' }), spy).get('/')
    expect(tokenServer.requests).toHaveLength(3)
    expect(scopes[0]).toMatch(/^oauth2:/)
    expect(scopes[1]).toBe(scopes[0])
    expect(scopes[2]).not.toBe(scopes[0])
    expect(scopes.join()).not.toMatch(/tok-|my-client/)
  })
})

describe('auth.oauth2: configuration', () => {
  const configError = (options: unknown): ConfigError => {
    try {
      oauth2(options as OAuth2Options)
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError)
      return error as ConfigError
    }
    throw new Error('expected a ConfigError')
  }

  it('refuses a non-https tokenUrl outside loopback, and accepts https and loopback http', () => {
    expect(configError(clientCredentials({ tokenUrl: 'http://auth.example.com/token' })).message).toMatch(/tokenUrl/)
    expect(configError(clientCredentials({ tokenUrl: 'not a url' })).message).toMatch(/tokenUrl/)
    expect(configError(clientCredentials({ tokenUrl: '' })).message).toMatch(/tokenUrl/)
    expect(configError(clientCredentials({ tokenUrl: 'https://u:p@auth.example.com/' })).message).toMatch(/credentials/)
    expect(() => oauth2(clientCredentials({ tokenUrl: 'https://auth.example.com/token' }))).not.toThrow()
    for (const host of ['127.0.0.1:8080', '[::1]', 'localhost:3000']) {
      expect(() => oauth2(clientCredentials({ tokenUrl: `http://${host}/token` }))).not.toThrow()
    }
  })

  it('names the missing or empty option, never a secret', () => {
    const errors = [
      configError(clientCredentials({ clientId: '' })),
      configError(clientCredentials({ clientSecret: '' })),
      configError({ ...clientCredentials(), clientSecret: undefined }),
      configError({ ...refreshGrant({ clientSecret: SECRET }), refreshToken: undefined }),
      configError({ ...refreshGrant(), refreshToken: '' }),
      configError({ ...clientCredentials(), grant: 'password', refreshToken: REFRESH }),
      configError(clientCredentials({ clientAuth: 'jwt' as 'basic' })),
      configError(clientCredentials({ tokenTimeoutMs: 0 })),
      configError(clientCredentials({ refreshMarginMs: -1 })),
      configError(clientCredentials({ extraParams: { client_secret: 'x' } })),
      configError(clientCredentials({ scope: ['has space'] })),
    ]
    expect(
      errors.map(
        (e) =>
          e.message.match(
            /clientId|clientSecret|refreshToken|grant|clientAuth|tokenTimeoutMs|refreshMarginMs|extraParams|scope/,
          )?.[0],
      ),
    ).toEqual([
      'clientId',
      'clientSecret',
      'clientSecret',
      'refreshToken',
      'refreshToken',
      'grant',
      'clientAuth',
      'tokenTimeoutMs',
      'refreshMarginMs',
      'extraParams',
      'scope',
    ])
    for (const error of errors) expectNoSecrets(error, [SECRET, REFRESH])
  })
})
