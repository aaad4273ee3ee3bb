// A client's secretHeaders are kept to the origin of its baseUrl: sent there, refused (or
// dropped, with crossOrigin: 'unsigned') on a call to another origin, dropped on a redirect to
// another origin, and masked wherever ply reports something. Two loopback servers on different
// ports are two origins.
import type { ServerResponse } from 'node:http'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LogEntry, log } from '../../middleware/index.ts'
import { ConfigError, createClient, HttpError, type Middleware, PlyError } from '../../src/index.ts'
import { REDACTED } from '../../src/kit.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

const TOKEN = 'custom-s3cret-7731'
const CALL_TOKEN = 'per-call-s3cret-4410'

let a: TestServer
let b: TestServer

beforeAll(async () => {
  b = await startServer((req, res) => sendJson(res, 200, { at: 'b', url: req.url }))
  a = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://a')
    if (url.pathname === '/to-b') return redirect(res, 302, `${b.url}/landed`)
    if (url.pathname === '/pages') {
      return sendJson(res, 200, [1], { link: `<${b.url}/pages?page=2>; rel="next"` })
    }
    if (url.pathname === '/echo-fail') {
      // A server that echoes the credential it got: in its reason phrase, a header and the body.
      const token = String(req.headers['x-custom-token'])
      res.statusMessage = `bad token ${token}`
      return sendJson(res, 401, { error: 'bad token', token }, { 'x-custom-token': token })
    }
    sendJson(res, 200, { at: 'a' })
  })
})
afterAll(async () => {
  await a.close()
  await b.close()
})

function redirect(res: ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location })
  res.end()
}

const lastAt = (server: TestServer) => server.requests.at(-1)

/** A client of A whose `x-custom-token` is secret, sent with every call. */
function clientOfA(options: { crossOrigin?: 'refuse' | 'unsigned' } = {}) {
  return createClient({
    baseUrl: a.url,
    headers: { 'x-custom-token': TOKEN, 'x-trace': 'kept' },
    secretHeaders: ['X-Custom-Token'],
    ...options,
  })
}

async function failure(promise: Promise<unknown>): Promise<PlyError> {
  return promise.then(
    () => expect.unreachable('the call should have been refused'),
    (error: PlyError) => error,
  )
}

describe('secretHeaders: the client’s origin', () => {
  it('sends a secret header to the client’s origin, from the defaults and from a call', async () => {
    const api = clientOfA()
    await api.get('/x')
    expect(lastAt(a)?.headers['x-custom-token']).toBe(TOKEN)
    await api.get('/x', { headers: { 'x-custom-token': CALL_TOKEN } })
    expect(lastAt(a)?.headers['x-custom-token']).toBe(CALL_TOKEN)
    const bare = createClient({ baseUrl: a.url, secretHeaders: ['x-custom-token'] })
    await bare.post('/x', { headers: { 'X-Custom-Token': CALL_TOKEN }, json: {} })
    expect(lastAt(a)?.headers['x-custom-token']).toBe(CALL_TOKEN)
  })
})

describe('secretHeaders: a call to another origin', () => {
  it('is refused before anything is sent, naming the header and the origin but not the value', async () => {
    const before = b.requests.length
    const error = await failure(clientOfA().get(`${b.url}/steal`))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain("'x-custom-token'")
    expect(error.message).toContain(`GET to ${b.url} refused`)
    expect(error.message).toContain(`sends only to ${a.url}`)
    expect(error.message).toContain("crossOrigin: 'unsigned'")
    expect(error.message).not.toContain(TOKEN)
    expect(error.request).toEqual({ method: 'GET', url: `${b.url}/steal` })
    expect(b.requests.length).toBe(before)
  })

  it('is refused for every way of calling: the verbs, request(), fetch() and a Link to follow', async () => {
    const api = clientOfA()
    const bare = createClient({ baseUrl: a.url, secretHeaders: ['x-custom-token'] })
    const before = b.requests.length
    const attempts: [string, () => Promise<unknown>][] = [
      ['post()', () => api.post(`${b.url}/x`, { json: { a: 1 } })],
      ['request()', () => api.request('DELETE', `${b.url}/x`)],
      ['a call’s own header', () => bare.get(`${b.url}/x`, { headers: { 'x-custom-token': CALL_TOKEN } })],
      ['fetch(url)', () => api.fetch(`${b.url}/x`)],
      ['fetch(Request)', () => bare.fetch(new Request(`${b.url}/x`, { headers: { 'x-custom-token': CALL_TOKEN } }))],
    ]
    for (const [how, attempt] of attempts) {
      const error = await failure(attempt())
      expect(error, how).toBeInstanceOf(ConfigError)
      expect(error.message, how).toContain("'x-custom-token'")
      expect(error.message, how).not.toContain(TOKEN)
      expect(error.message, how).not.toContain(CALL_TOKEN)
    }
    // A Link to another origin is not followed with the client's headers either.
    const error = await failure(api.paginate<number[]>('/pages').all())
    expect(error).toBeInstanceOf(PlyError)
    expect(error.message).not.toContain(TOKEN)
    expect(b.requests.length).toBe(before)
  })

  it('is sent without the secret headers with crossOrigin: unsigned', async () => {
    const api = clientOfA({ crossOrigin: 'unsigned' })
    await api.get(`${b.url}/open`, { headers: { cookie: 'session=abcd1234' } })
    const seen = lastAt(b)
    expect(seen?.url).toBe('/open')
    expect(seen?.headers['x-custom-token']).toBeUndefined()
    // Cookie is secret already: a client with secretHeaders keeps it home too.
    expect(seen?.headers.cookie).toBeUndefined()
    expect(seen?.headers['x-trace']).toBe('kept')
    const response = await api.fetch(`${b.url}/raw`)
    expect(response.status).toBe(200)
    expect(lastAt(b)?.headers['x-custom-token']).toBeUndefined()
    // paginate() may refuse a Link to another origin whatever the headers; what matters is that
    // nothing reaches it with the secret header.
    await api
      .paginate<number[]>('/pages')
      .all()
      .catch(() => undefined)
    expect(b.requests.filter((seen) => seen.headers['x-custom-token'] !== undefined)).toEqual([])
    // The client's own origin still gets it.
    await api.get('/x')
    expect(lastAt(a)?.headers['x-custom-token']).toBe(TOKEN)
  })

  it('leaves a call to another origin without a secret header alone', async () => {
    const api = createClient({ baseUrl: a.url, secretHeaders: ['x-custom-token'] })
    const response = await api.get<{ at: string }>(`${b.url}/public`)
    expect(response.data.at).toBe('b')
  })
})

describe('secretHeaders: a redirect to another origin', () => {
  it('drops a secret header, from the defaults or the call, and follows without it', async () => {
    const api = clientOfA()
    const response = await api.get<{ at: string }>('/to-b')
    expect(response.data.at).toBe('b')
    expect(lastAt(a)?.headers['x-custom-token']).toBe(TOKEN)
    expect(lastAt(b)?.url).toBe('/landed')
    expect(lastAt(b)?.headers['x-custom-token']).toBeUndefined()
    expect(lastAt(b)?.headers['x-trace']).toBe('kept')
    const bare = createClient({ baseUrl: a.url, secretHeaders: ['x-custom-token'] })
    await bare.get('/to-b', { headers: { 'x-custom-token': CALL_TOKEN } })
    expect(lastAt(a)?.headers['x-custom-token']).toBe(CALL_TOKEN)
    expect(lastAt(b)?.headers['x-custom-token']).toBeUndefined()
    await bare.fetch('/to-b', { headers: { 'x-custom-token': CALL_TOKEN } })
    expect(lastAt(b)?.headers['x-custom-token']).toBeUndefined()
  })

  it('drops Cookie and Proxy-Authorization, which are credentials for every client', async () => {
    const api = createClient({
      baseUrl: a.url,
      headers: { cookie: 'session=abcd1234', 'proxy-authorization': 'Basic cHJveHk6cHc=', 'x-trace': 'kept' },
    })
    await api.get('/to-b')
    expect(lastAt(a)?.headers.cookie).toBe('session=abcd1234')
    expect(lastAt(a)?.headers['proxy-authorization']).toBe('Basic cHJveHk6cHc=')
    expect(lastAt(b)?.headers.cookie).toBeUndefined()
    expect(lastAt(b)?.headers['proxy-authorization']).toBeUndefined()
    expect(lastAt(b)?.headers['x-trace']).toBe('kept')
  })
})

describe('secretHeaders: masking', () => {
  it('masks the header and its value in an HttpError’s message, JSON and inspection', async () => {
    for (const [api, token, options] of [
      [clientOfA(), TOKEN, {}],
      [
        createClient({ baseUrl: a.url, secretHeaders: ['x-custom-token'] }),
        CALL_TOKEN,
        { headers: { 'x-custom-token': CALL_TOKEN } },
      ],
    ] as const) {
      const error = await failure(api.get('/echo-fail', options))
      expect(error).toBeInstanceOf(HttpError)
      const httpError = error as HttpError
      // The program still reads what the server sent.
      expect(httpError.headers.get('x-custom-token')).toBe(token)
      expect(httpError.message).toBe(`HTTP 401 bad token ${REDACTED} (GET ${a.url}/echo-fail)`)
      const json = JSON.stringify(httpError)
      expect(json).not.toContain(token)
      expect(JSON.parse(json)).toMatchObject({
        statusText: `bad token ${REDACTED}`,
        headers: { 'x-custom-token': REDACTED },
        data: { error: 'bad token', token: REDACTED },
      })
      expect(inspect(httpError, { depth: 5 })).not.toContain(token)
    }
  })

  it('masks the value in log() lines and in the response event', async () => {
    const lines: { entry: LogEntry; message: string }[] = []
    const logger = {
      info: (entry: LogEntry, message: string) => lines.push({ entry, message }),
      warn: (entry: LogEntry, message: string) => lines.push({ entry, message }),
      error: (entry: LogEntry, message: string) => lines.push({ entry, message }),
    }
    // A check of the middleware author's own that quotes what it was sent when it fails.
    const strict: Middleware = async (ctx, next) => {
      await next()
      if (ctx.response?.status === 401) {
        throw new Error(`the server refused x-custom-token ${ctx.request.headers.get('x-custom-token')}`)
      }
    }
    const errors: string[] = []
    const api = createClient({
      baseUrl: a.url,
      headers: { 'x-custom-token': TOKEN },
      secretHeaders: ['x-custom-token'],
    })
      .use(log({ logger }))
      .use(strict)
      .on('response', (event) => errors.push(`${event.error?.message} / ${String(event.error?.cause)}`))
    await api.get('/echo-fail').catch(() => undefined)
    await api.get('/echo-fail', { headers: { 'x-custom-token': CALL_TOKEN } }).catch(() => undefined)
    expect(lines.map((line) => line.entry.error)).toEqual([
      `Error: the server refused x-custom-token ${REDACTED}`,
      `Error: the server refused x-custom-token ${REDACTED}`,
    ])
    const logged = JSON.stringify(lines)
    expect(logged).not.toContain(TOKEN)
    expect(logged).not.toContain(CALL_TOKEN)
    expect(errors).toHaveLength(2)
    expect(errors.join('\n')).not.toContain(TOKEN)
    expect(errors.join('\n')).not.toContain(CALL_TOKEN)
    // The HttpError of a call without that check: its message, as a response event reports it.
    const plain: string[] = []
    await clientOfA()
      .on('response', (event) => plain.push(String(event.error?.message)))
      .get('/echo-fail')
      .catch(() => undefined)
    expect(plain).toEqual([`HTTP 401 bad token ${REDACTED} (GET ${a.url}/echo-fail)`])
  })
})

describe('secretHeaders and crossOrigin: the options', () => {
  it.each([
    [{ secretHeaders: 'x-token' }, "secretHeaders must be an array of header names, such as ['x-custom-token']"],
    [{ secretHeaders: ['x token'] }, 'secretHeaders: "x token" is not a header name'],
    [{ secretHeaders: [42] }, 'secretHeaders: number is not a header name'],
    [{ secretHeaders: ['X-Token', 'x-token'] }, "secretHeaders: 'x-token' is listed twice"],
    [{ crossOrigin: 'allow' }, `crossOrigin must be 'refuse' or 'unsigned', got "allow"`],
  ])('refuses %j', (options, message) => {
    expect(() => createClient({ baseUrl: 'https://api.example.com', ...(options as object) })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining(message) }),
    )
  })

  it('needs a baseUrl, and says how to bind a header credential to explicit origins instead', () => {
    const error = (() => {
      try {
        createClient({ secretHeaders: ['x-token'] })
      } catch (caught) {
        return caught as Error
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect(error?.message).toContain('baseUrl')
    expect(error?.message).toContain('auth.apiKey({ header, origins })')
    // Nothing to bind: no baseUrl needed.
    expect(() => createClient({ secretHeaders: [] })).not.toThrow()
  })

  it('accepts Authorization, Proxy-Authorization and Cookie, which are secret already', async () => {
    const api = createClient({
      baseUrl: a.url,
      headers: { authorization: 'Bearer abcd1234' },
      secretHeaders: ['Authorization', 'cookie', 'proxy-authorization'],
    })
    const error = await failure(api.get(`${b.url}/x`))
    expect(error.message).toContain("'authorization'")
  })

  it('is inherited by extend(), whose child may add names', async () => {
    const parent = clientOfA()
    const child = parent.extend({
      secretHeaders: ['x-custom-token', 'x-other-key'],
      headers: { 'x-other-key': 'k-1234' },
    })
    const error = await failure(child.get(`${b.url}/x`))
    expect(error.message).toContain("headers 'x-custom-token', 'x-other-key'")
    const unsigned = child.extend({ crossOrigin: 'unsigned' })
    await unsigned.get(`${b.url}/x`)
    expect(lastAt(b)?.headers['x-custom-token']).toBeUndefined()
    expect(lastAt(b)?.headers['x-other-key']).toBeUndefined()
    await unsigned.get('/x')
    expect(lastAt(a)?.headers['x-other-key']).toBe('k-1234')
  })

  it('refuses a child on another origin that would inherit a secret value, unless it gives its own', async () => {
    const parent = clientOfA()
    expect(() => parent.extend({ baseUrl: b.url })).toThrow(
      expect.objectContaining({
        name: 'ConfigError',
        message: expect.stringContaining(`inherit the secret header 'x-custom-token' given for ${a.url}`),
      }),
    )
    // Another path on the same origin keeps them.
    parent.extend({ baseUrl: `${a.url}/v2` })
    const moved = parent.extend({ baseUrl: b.url, headers: { 'x-custom-token': CALL_TOKEN } })
    await moved.get('/x')
    expect(lastAt(b)?.headers['x-custom-token']).toBe(CALL_TOKEN)
    await expect(moved.get(`${a.url}/x`)).rejects.toBeInstanceOf(ConfigError)
  })
})

describe('a credential among the client’s default headers, without secretHeaders', () => {
  const bearer = 'Bearer default-s3cret-5521'

  it('stays on the client’s origin: a call to another origin is refused, and B sees nothing', async () => {
    const api = createClient({ baseUrl: a.url, headers: { authorization: bearer } })
    await api.get('/x')
    expect(lastAt(a)?.headers.authorization).toBe(bearer)
    const seenByB = b.requests.length
    const error = await failure(api.get(`${b.url}/x`))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain(`refused: it would carry the secret header 'authorization'`)
    expect(error.message).toContain('its default headers')
    expect(error.message).not.toContain('default-s3cret-5521')
    await expect(api.fetch(`${b.url}/x`)).rejects.toBeInstanceOf(ConfigError)
    expect(b.requests.length).toBe(seenByB)
  })

  it('a call that gives its own credential for another origin sends it; crossOrigin: unsigned drops the default', async () => {
    const api = createClient({ baseUrl: a.url, headers: { authorization: bearer } })
    await api.get(`${b.url}/own`, { headers: { authorization: 'Bearer for-b' } })
    expect(lastAt(b)?.headers.authorization).toBe('Bearer for-b')
    const unsigned = createClient({ baseUrl: a.url, headers: { cookie: 'sid=1' }, crossOrigin: 'unsigned' })
    await unsigned.get(`${b.url}/unsigned`)
    expect(lastAt(b)?.url).toBe('/unsigned')
    expect(lastAt(b)?.headers.cookie).toBeUndefined()
  })
})
