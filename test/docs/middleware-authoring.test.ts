// biome-ignore-all lint/suspicious/noExportsInTest: the examples are copied verbatim from the page, exports included
// The two worked examples of docs/middleware-authoring.md, copied verbatim (only the imports
// differ), run against a real loopback server. The first test checks the copies still match
// the page.
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import nock from 'nock'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, createClient, HttpError, type Middleware, NetworkError } from '../../src/index.ts'
import { optionNames, redactUrl, rejectUnknownOptions } from '../../src/kit.ts'
import { type SeenRequest, sendJson, startServer, type TestServer } from '../support/server.ts'

// ---- docs/middleware-authoring.md, "Example: a request-timing logger" ----

/** Options of `requestLogger()`. */
export interface RequestLoggerOptions {
  /** Receives one line per request; `console.info` by default. */
  log?: ((line: string) => void) | undefined
}

const REQUEST_LOGGER_OPTIONS = optionNames<RequestLoggerOptions>()(['log'])

/**
 * Logs one line per request that passes through it: the method, the URL with its secrets
 * masked (`redactUrl`), the status, or the error's name when no response came back, and the
 * time the rest of the stack took, as in `GET https://api.example.com/users/octocat 200 12.3ms`.
 *
 * Outside a middleware that replays (retry), a line covers the whole call; inside it, one
 * attempt. Outside `parse()`, the time includes reading and parsing the body.
 */
export function requestLogger(options: RequestLoggerOptions = {}): Middleware {
  rejectUnknownOptions('requestLogger()', options, REQUEST_LOGGER_OPTIONS)
  const log = options.log ?? ((line: string) => console.info(line))
  return async (ctx, next) => {
    const startedAt = performance.now()
    let outcome = '-'
    try {
      await next()
      if (ctx.response !== undefined) outcome = String(ctx.response.status)
    } catch (error) {
      outcome = error instanceof Error ? error.name : 'Error'
      throw error
    } finally {
      const ms = (performance.now() - startedAt).toFixed(1)
      log(`${ctx.request.method} ${redactUrl(ctx.request.peekUrl())} ${outcome} ${ms}ms`)
    }
  }
}

// ---- docs/middleware-authoring.md, "Example: an HMAC request signer" ----

/** Options of `signer()`. */
export interface SignerOptions {
  /** The shared secret that keys the HMAC. */
  key: string | Uint8Array
  /** The header that carries the signature; `X-Signature` by default. */
  header?: string | undefined
}

const SIGNER_OPTIONS = optionNames<SignerOptions>()(['key', 'header'])

/**
 * Signs every attempt: sets `X-Signature` to the hex HMAC-SHA256, keyed with `key`, of the
 * method, a newline, the path with its query, a newline and the body's bytes. A retry or any
 * other replay outside it is signed again, for the body that attempt sends.
 *
 * Put it inside every middleware that changes the method, the URL or the body. It signs no
 * body, a string, `URLSearchParams`, bytes and a `Blob`; a `FormData` or a stream is a
 * `ConfigError`, because its bytes are known only once it is sent.
 */
export function signer(options: SignerOptions): Middleware {
  rejectUnknownOptions('signer()', options, SIGNER_OPTIONS)
  const { key, header = 'X-Signature' } = options
  return async (ctx, next) => {
    const { method, body } = ctx.request
    const url = ctx.request.peekUrl()
    const hmac = createHmac('sha256', key)
    hmac.update(`${method}\n${url.pathname}${url.search}\n`)
    hmac.update(await bodyBytes(body))
    ctx.request.headers.set(header, hmac.digest('hex'))
    await next()
  }
}

async function bodyBytes(body: BodyInit | undefined): Promise<Uint8Array> {
  if (body === undefined) return new Uint8Array(0)
  if (typeof body === 'string' || body instanceof URLSearchParams) return new TextEncoder().encode(body.toString())
  if (body instanceof Blob) return new Uint8Array(await body.arrayBuffer())
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  throw new ConfigError('signer() cannot sign a FormData or stream body: its bytes are known only once it is sent')
}

// ---- the tests ----

const KEY = 'test-signing-key'

let server: TestServer

beforeAll(async () => {
  nock.disableNetConnect()
  nock.enableNetConnect('127.0.0.1')
  server = await startServer(async (req, res) => {
    if (req.url?.startsWith('/slow')) await new Promise((resolve) => setTimeout(resolve, 60))
    if (req.url?.startsWith('/missing')) return sendJson(res, 404, { message: 'Not Found' })
    sendJson(res, 200, { ok: true })
  })
})
afterEach(() => {
  nock.cleanAll()
})
afterAll(async () => {
  nock.enableNetConnect()
  nock.restore()
  await server.close()
})

/** Runs the inner stack twice: the first response is discarded, the second is the answer. */
const replayOnce: Middleware = async (ctx, next) => {
  await next()
  await ctx.response?.body?.cancel()
  await next()
}

/** The signature the server expects for a request it received. */
function expectedSignature(seen: Pick<SeenRequest, 'method' | 'url' | 'body'>, key: string = KEY): string {
  return createHmac('sha256', key).update(`${seen.method}\n${seen.url}\n`).update(seen.body).digest('hex')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** The requests the server received since `from` (an index into `server.requests`). */
function receivedSince(from: number): SeenRequest[] {
  return server.requests.slice(from)
}

/** A code block of the page that defines `name`, without its import lines. */
function docExample(name: string): string {
  const page = readFileSync(new URL('../../docs/middleware-authoring.md', import.meta.url), 'utf8')
  const blocks = [...page.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1] ?? '')
  const block = blocks.find((code) => code.includes(`export function ${name}(`))
  if (block === undefined) throw new Error(`docs/middleware-authoring.md has no example defining ${name}()`)
  return block.replace(/^import [^\n]*\n/gm, '').trim()
}

describe('docs/middleware-authoring.md', () => {
  it('shows exactly the code tested here', () => {
    const self = readFileSync(new URL(import.meta.url), 'utf8')
    expect(self).toContain(docExample('requestLogger'))
    expect(self).toContain(docExample('signer'))
  })

  it('has both examples refuse a misspelt option, as the page says', () => {
    expect(() => requestLogger({ lgo: () => {} } as never)).toThrow(
      new ConfigError("requestLogger(): unknown option 'lgo' (did you mean 'log'?)"),
    )
    expect(() => signer({ key: 'k', haeder: 'X-Sig' } as never)).toThrow(
      new ConfigError("signer(): unknown option 'haeder' (did you mean 'header'?)"),
    )
  })
})

describe('the request-timing logger', () => {
  it('logs one line per call with the method, the masked URL, the status and the time', async () => {
    const lines: string[] = []
    const api = createClient({ baseUrl: server.url }).use(requestLogger({ log: (line) => lines.push(line) }))
    const from = server.requests.length

    const response = await api.get('/items', { query: { token: 'secret', page: 2 } })

    expect(response.status).toBe(200)
    expect(lines).toHaveLength(1)
    const [line] = lines
    expect(line).toMatch(new RegExp(`^GET ${escapeRegExp(server.url)}/items\\?token=\\S+&page=2 200 \\d+\\.\\dms$`))
    expect(line).not.toContain('secret')
    expect(line).toContain('REDACTED')
    expect(line).toContain(redactUrl(`${server.url}/items?token=secret&page=2`))
    // Only the log is masked: the server received the real token.
    expect(receivedSince(from).map((seen) => seen.url)).toEqual(['/items?token=secret&page=2'])
  })

  it('logs an error status, and the call still rejects with an HttpError', async () => {
    const lines: string[] = []
    const api = createClient({ baseUrl: server.url }).use(requestLogger({ log: (line) => lines.push(line) }))

    const error = await api.delete('/missing/{id}', { params: { id: 7 } }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(404)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(new RegExp(`^DELETE ${escapeRegExp(server.url)}/missing/7 404 \\d+\\.\\dms$`))
  })

  it('logs one line per request for several requests', async () => {
    const lines: string[] = []
    const api = createClient({ baseUrl: server.url }).use(requestLogger({ log: (line) => lines.push(line) }))

    await api.get('/a')
    await api.post('/b', { json: { x: 1 } })
    await api.get('/missing', { throwHttpErrors: false })

    expect(lines.map((line) => line.split(' ').slice(0, 3).join(' '))).toEqual([
      `GET ${server.url}/a 200`,
      `POST ${server.url}/b 200`,
      `GET ${server.url}/missing 404`,
    ])
  })

  it("logs the error's name when no response came back, and rethrows the error", async () => {
    const closed = await startServer(() => undefined)
    await closed.close() // nothing listens on this port any more
    const lines: string[] = []
    const api = createClient({ baseUrl: closed.url }).use(requestLogger({ log: (line) => lines.push(line) }))

    const error = await api.get('/items', { query: { api_key: 'k-123' } }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(NetworkError)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      new RegExp(`^GET ${escapeRegExp(closed.url)}/items\\?api_key=\\S+ NetworkError \\d+\\.\\dms$`),
    )
    expect(lines[0]).not.toContain('k-123')
  })

  it('measures the time the rest of the stack took', async () => {
    const lines: string[] = []
    const api = createClient({ baseUrl: server.url }).use(requestLogger({ log: (line) => lines.push(line) }))

    await api.get('/slow')

    const ms = Number(/ (\d+\.\d)ms$/.exec(lines[0] ?? '')?.[1])
    expect(ms).toBeGreaterThanOrEqual(50)
  })

  it('logs the whole call once outside a replaying middleware, and each attempt inside it', async () => {
    const outside: string[] = []
    const inside: string[] = []
    const api = createClient({ baseUrl: server.url })
      .use(requestLogger({ log: (line) => outside.push(line) }))
      .use(replayOnce)
      .use(requestLogger({ log: (line) => inside.push(line) }))

    const response = await api.get('/items')

    expect(response.attempts).toBe(2)
    expect(outside).toHaveLength(1)
    expect(inside).toHaveLength(2)
  })
})

describe('the HMAC request signer', () => {
  it('signs a JSON body so that the server verifies it with the key', async () => {
    const api = createClient({ baseUrl: server.url }).use(signer({ key: KEY }))
    const from = server.requests.length

    await api.post('/orders', { json: { id: 1, item: 'café' } })

    const [seen] = receivedSince(from)
    expect(seen?.body).toBe('{"id":1,"item":"café"}')
    expect(seen?.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/)
    expect(seen?.headers['x-signature']).toBe(expectedSignature(seen as SeenRequest))
    expect(seen?.headers['x-signature']).not.toBe(expectedSignature(seen as SeenRequest, 'another-key'))
  })

  it('signs the path with its query, and an empty body, for a GET', async () => {
    const api = createClient({ baseUrl: server.url }).use(signer({ key: KEY }))
    const from = server.requests.length

    await api.get('/items/{id}', { params: { id: 'a b' }, query: { q: 'x y', page: 2 } })

    const [seen] = receivedSince(from)
    expect(seen?.url).toBe('/items/a%20b?q=x+y&page=2')
    expect(seen?.body).toBe('')
    expect(seen?.headers['x-signature']).toBe(expectedSignature(seen as SeenRequest))
  })

  it('signs a form and a byte body as sent', async () => {
    const api = createClient({ baseUrl: server.url }).use(signer({ key: KEY }))
    const from = server.requests.length

    await api.post('/forms', { form: { a: 1, b: 'två' } })
    await api.put('/bytes', { body: new TextEncoder().encode('raw bytes') })

    const seen = receivedSince(from)
    expect(seen.map((request) => request.body)).toEqual(['a=1&b=tv%C3%A5', 'raw bytes'])
    for (const request of seen) expect(request.headers['x-signature']).toBe(expectedSignature(request))
  })

  it('uses the header named in its options', async () => {
    const api = createClient({ baseUrl: server.url }).use(signer({ key: KEY, header: 'X-Hub-Signature' }))
    const from = server.requests.length

    await api.post('/hooks', { body: 'ping' })

    const [seen] = receivedSince(from)
    expect(seen?.headers['x-signature']).toBeUndefined()
    expect(seen?.headers['x-hub-signature']).toBe(expectedSignature(seen as SeenRequest))
  })

  it('signs each attempt again when an outer middleware calls next() twice with a new body', async () => {
    const signatureSeenOutside: (string | null)[] = []
    const replayWithNewBody: Middleware = async (ctx, next) => {
      await next()
      signatureSeenOutside.push(ctx.request.peekHeaders().get('x-signature'))
      await ctx.response?.body?.cancel()
      ctx.request.body = JSON.stringify({ attempt: 2 })
      await next()
      signatureSeenOutside.push(ctx.request.peekHeaders().get('x-signature'))
    }
    const api = createClient({ baseUrl: server.url })
      .use(replayWithNewBody)
      .use(signer({ key: KEY }))
    const from = server.requests.length

    const response = await api.post('/orders', { json: { attempt: 1 } })

    expect(response.attempts).toBe(2)
    const seen = receivedSince(from)
    expect(seen.map((request) => request.body)).toEqual(['{"attempt":1}', '{"attempt":2}'])
    for (const request of seen) expect(request.headers['x-signature']).toBe(expectedSignature(request))
    expect(seen[0]?.headers['x-signature']).not.toBe(seen[1]?.headers['x-signature'])
    // The signature was set on the signer's own copy of the request: the outer middleware never sees it.
    expect(signatureSeenOutside).toEqual([null, null])
  })

  it('signs a plain replay again, with the same signature for the same request', async () => {
    const api = createClient({ baseUrl: server.url })
      .use(replayOnce)
      .use(signer({ key: KEY }))
    const from = server.requests.length

    await api.patch('/orders/{id}', { params: { id: 1 }, json: { status: 'paid' } })

    const seen = receivedSince(from)
    expect(seen).toHaveLength(2)
    for (const request of seen) expect(request.headers['x-signature']).toBe(expectedSignature(request))
    expect(seen[0]?.headers['x-signature']).toBe(seen[1]?.headers['x-signature'])
  })

  it('refuses a FormData body with a ConfigError, before anything is sent', async () => {
    const api = createClient({ baseUrl: server.url }).use(signer({ key: KEY }))
    const from = server.requests.length
    const form = new FormData()
    form.set('file', new Blob(['content']), 'a.txt')

    const error = await api.post('/uploads', { form }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ConfigError)
    expect(receivedSince(from)).toHaveLength(0)
  })

  it('signs requests to a remote host (nock)', async () => {
    const body = JSON.stringify({ id: 1 })
    const signature = expectedSignature({ method: 'POST', url: '/v1/orders?dry_run=true', body })
    const scope = nock('https://api.example.com')
      .post('/v1/orders', body)
      .query({ dry_run: 'true' })
      .matchHeader('x-signature', signature)
      .reply(201, { id: 1 })
    const api = createClient({ baseUrl: 'https://api.example.com/v1' }).use(signer({ key: KEY }))

    const response = await api.post('/orders', { json: { id: 1 }, query: { dry_run: true } })

    expect(response.status).toBe(201)
    expect(scope.isDone()).toBe(true)
  })
})
