import { Writable } from 'node:stream'
import { pino } from 'pino'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { auth, cache, type LogEntry, type LogLevel, log, rateLimit, retry } from '../../middleware/index.ts'
import { ConfigError, createClient, type ResponseEvent, TimeoutError } from '../../src/index.ts'
import { releaseStalled, routes } from '../support/routes.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

const TOKEN = 'tok-secret-987'
let server: TestServer
let flakyHits = 0

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/flaky') return sendJson(res, ++flakyHits < 2 ? 503 : 200, {})
    if (url.pathname === '/slow') {
      setTimeout(() => sendJson(res, 200, {}), 50)
      return
    }
    if (url.pathname === '/fresh') return sendJson(res, 200, {}, { 'cache-control': 'max-age=60' })
    return routes(req, res)
  })
})
afterEach(() => {
  releaseStalled()
  vi.restoreAllMocks()
})
afterAll(() => server.close())

interface Line {
  entry: LogEntry
  level: LogLevel
  message: string
}

/** A client with `log()` outermost, writing into `lines`. */
function logged(lines: Line[]) {
  return createClient({ baseUrl: server.url, timeout: 100 }).use(
    log({ write: (entry, level, message) => lines.push({ entry, level, message }) }),
  )
}

describe('log()', () => {
  it('writes one line per call with what happened, never the credentials', async () => {
    const lines: Line[] = []
    const client = logged(lines)
      .use(cache())
      .use(retry({ minDelay: 1, maxDelay: 2 }))
      .use(auth.bearer(TOKEN))
      .use(auth.apiKey({ query: 'api_key' }, 'key-secret-654'))
    await client.get('/flaky')
    await client.get('/fresh')
    await client.get('/fresh')
    expect(lines.map((line) => line.entry)).toEqual([
      expect.objectContaining({
        method: 'GET',
        url: `${server.url}/flaky`,
        status: 200,
        attempts: 2,
        cacheStatus: 'miss',
      }),
      expect.objectContaining({ url: `${server.url}/fresh`, status: 200, attempts: 1, cacheStatus: 'miss' }),
      expect.objectContaining({ status: 200, attempts: 0, cacheStatus: 'hit' }),
    ])
    // No rate limiter in this stack: the entry has no fact of one.
    expect(lines[2]?.entry).not.toHaveProperty('rateLimitWaitMs')
    expect(lines.map((line) => line.level)).toEqual(['info', 'info', 'info'])
    expect(lines[0]?.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/flaky 200 [\d.]+ ms cache=miss attempts=2$/)
    const everything = JSON.stringify(lines)
    expect(everything).not.toContain(TOKEN)
    expect(everything).not.toContain('key-secret-654')
  })

  it("writes the call's summary as the client's response event carries it, facts included", async () => {
    const lines: Line[] = []
    const client = logged(lines).use(rateLimit({ concurrency: 1 }))
    const heard: ResponseEvent[] = []
    client.on('response', (event) => heard.push(event))
    await Promise.all([client.get('/slow'), client.get('/slow')])
    expect(heard).toHaveLength(2)
    for (const event of heard) {
      const line = lines.find(
        (candidate) => candidate.entry.rateLimitWaitMs === Math.round((event.rateLimitWaitMs ?? -1) * 10) / 10,
      )
      expect(line?.entry).toMatchObject({
        method: event.method,
        url: event.url,
        status: event.status,
        attempts: event.attempts,
        cacheStatus: event.cacheStatus,
      })
    }
  })

  it('reports the time a rate limiter held the call', async () => {
    const lines: Line[] = []
    const client = logged(lines).use(rateLimit({ concurrency: 1 }))
    await Promise.all([client.get('/slow'), client.get('/slow')])
    const waits = lines.map((line) => line.entry.rateLimitWaitMs ?? -1).sort((a, b) => a - b)
    expect(waits[0]).toBe(0)
    expect(waits[1]).toBeGreaterThan(20)
    // The text line carries the limiter's fact too, as the response event does.
    expect(lines.map((line) => line.message).join('\n')).toMatch(/ rateLimitWaitMs=0( |$)/m)
  })

  it('writes 4xx/5xx at warn and failures without a response at error, with the error named', async () => {
    const lines: Line[] = []
    const client = logged(lines)
    await expect(client.get('/status/404')).rejects.toThrow()
    await expect(client.get('/never', { query: { access_token: 'at-secret' } })).rejects.toBeInstanceOf(TimeoutError)
    expect(lines.map((line) => [line.level, line.entry.status])).toEqual([
      ['warn', 404],
      ['error', undefined],
    ])
    expect(lines[1]?.entry.error).toMatch(/^TimeoutError: /)
    expect(lines[1]?.message).toContain('no response')
    expect(JSON.stringify(lines)).not.toContain('at-secret')
  })

  it('goes to console as one text line by default', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined)
    await createClient({ baseUrl: server.url }).use(log()).get('/status/200')
    expect(info).toHaveBeenCalledTimes(1)
    expect(info.mock.calls[0]).toEqual([expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/status\/200 200 /)])
  })

  it('gives pino the entry as fields and the line as msg, and skips levels pino has off', async () => {
    const written: string[] = []
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString())
        done()
      },
    })
    const logger = pino({ level: 'warn' }, sink)
    const client = createClient({ baseUrl: server.url }).use(log({ logger }))
    await client.get('/status/200')
    await client.get('/status/503', { throwHttpErrors: false })
    expect(written).toHaveLength(1)
    const record = JSON.parse(written[0] ?? '{}')
    expect(record).toMatchObject({ level: 40, method: 'GET', status: 503, attempts: 1, cacheStatus: 'bypass' })
    expect(record.url).toBe(`${server.url}/status/503`)
    expect(record.msg).toMatch(/^GET .*\/status\/503 503 /)
  })

  it('refuses a logger without info(), and a logger and write together', () => {
    expect(() => log({ logger: {} as never })).toThrow(ConfigError)
    expect(() => log({ logger: console, write: () => undefined })).toThrow(/logger or write/)
  })
})
