// Errors raised while a response body is read or parsed name the call: its method and its URL,
// redacted, as the transport's errors do, so that a log line or the CLI says which call failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { cache, dedupe, parse } from '../../middleware/index.ts'
import {
  AbortError,
  type Client,
  createClient,
  type Middleware,
  NetworkError,
  ParseError,
  type PlyError,
  TimeoutError,
} from '../../src/index.ts'
import { type ChaosServer, startChaosServer } from '../support/chaos-server.ts'
import { startServer, type TestServer } from '../support/server.ts'

const SECRET = 'sekrit-api-key-4242'

let chaos: ChaosServer
// Headers and the start of a body, then nothing: the body never ends.
let stall: TestServer
beforeAll(async () => {
  chaos = await startChaosServer()
  stall = await startServer((req, res) => {
    const cacheable = req.url?.startsWith('/cacheable') ?? false
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': '40',
      ...(cacheable ? { 'cache-control': 'max-age=60' } : {}),
    })
    res.write('{"partial": "twenty bytes')
    if (cacheable) setImmediate(() => req.socket.resetAndDestroy())
  })
})
afterAll(async () => {
  await chaos.close()
  await stall.close()
})

/** The failure of `call`, which must reject. */
async function failureOf(call: Promise<unknown>): Promise<PlyError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(Error)
  return error as PlyError
}

/** Asserts that `error` names `GET <base><path>` with the key redacted, and holds the secret nowhere. */
function expectNamesTheCall(error: PlyError, base: string, path: string): void {
  const url = `${base}${path}?api_key=[REDACTED]`
  expect(error.message.slice(0, url.length + 13)).toBe(`GET ${url} failed: `)
  expect(error.request).toEqual({ method: 'GET', url })
  expect(JSON.stringify(error)).not.toContain(SECRET)
  expect(String(error.stack)).not.toContain(SECRET)
}

const query = { api_key: SECRET }

describe('errors raised while the body is read or parsed name the call', () => {
  it('a body that is not the JSON it claims to be (ParseError), at the edge and in parse()', async () => {
    for (const client of [createClient({ baseUrl: chaos.url }), createClient({ baseUrl: chaos.url }).use(parse())]) {
      const error = await failureOf(client.get('/malformed/1', { query }))
      expect(error).toBeInstanceOf(ParseError)
      expectNamesTheCall(error, chaos.url, '/malformed/1')
      expect(error.message).toMatch(
        / failed: the response body is not valid JSON \(Content-Type: application\/json\) at position \d+$/,
      )
    }
  })

  it('a body that a schema rejects (ParseError)', async () => {
    const schema = z.object({ missing: z.string() })
    const error = await failureOf(createClient({ baseUrl: chaos.url }).get('/ok/schema', { query, schema }))
    expect(error).toBeInstanceOf(ParseError)
    expectNamesTheCall(error, chaos.url, '/ok/schema')
    expect(error.message).toMatch(/ failed: the response body does not match the schema: missing: /)
  })

  it('a connection reset mid-body (NetworkError)', async () => {
    const error = await failureOf(createClient({ baseUrl: chaos.url }).get('/reset-during/1', { query }))
    expect(error).toBeInstanceOf(NetworkError)
    expectNamesTheCall(error, chaos.url, '/reset-during/1')
    expect(error.message).toContain(' failed: the connection broke while the response body was read')
    expect((error as NetworkError).code).toBe('ECONNRESET')
  })

  it('a body cut short of its Content-Length (NetworkError)', async () => {
    const error = await failureOf(createClient({ baseUrl: chaos.url }).get('/truncated/1', { query }))
    expect(error).toBeInstanceOf(NetworkError)
    expectNamesTheCall(error, chaos.url, '/truncated/1')
  })

  it('a body that stops arriving (TimeoutError)', async () => {
    // The headers have the default 10 s, which only a hang exceeds; once they are in, the
    // outermost middleware gives the body read (at the edge, after the stack) 100 ms.
    const shortBodyTimeout: Middleware = (ctx, next) =>
      next().then(() => {
        ctx.request.timeout = 100
      })
    const client = createClient({ baseUrl: stall.url }).use(shortBodyTimeout)
    const error = await failureOf(client.get('/stall', { query }))
    expect(error).toBeInstanceOf(TimeoutError)
    expectNamesTheCall(error, stall.url, '/stall')
    expect(error.message).toMatch(/ failed: reading the response body took longer than 100 ms$/)
  })

  it('an abort while the body is read (AbortError)', async () => {
    const controller = new AbortController()
    // Innermost: the response's headers are in, its body is not; the caller gives up now.
    const abortOnHeaders: Middleware = (_ctx, next) => next().then(() => controller.abort(new Error('user left')))
    const client = createClient({ baseUrl: stall.url }).use(abortOnHeaders)
    const error = await failureOf(client.get('/abort', { query, signal: controller.signal }))
    expect(error).toBeInstanceOf(AbortError)
    expectNamesTheCall(error, stall.url, '/abort')
    expect(error.message).toMatch(/ failed: the request was aborted while its body was read$/)
  })

  it('a body the cache or dedupe reads, reset mid-body (NetworkError)', async () => {
    const clients: [string, Client][] = [
      ['/cacheable/cache', createClient({ baseUrl: stall.url }).use(cache())],
      ['/cacheable/dedupe', createClient({ baseUrl: stall.url }).use(dedupe())],
    ]
    for (const [path, client] of clients) {
      const error = await failureOf(client.get(path, { query }))
      expect(error).toBeInstanceOf(NetworkError)
      expectNamesTheCall(error, stall.url, path)
    }
  })
})
