import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { auth, cache, rateLimit, retry } from '../../middleware/index.ts'
import {
  type Client,
  type ClientEventName,
  type ClientEvents,
  type Context,
  createClient,
  HttpError,
  TimeoutError,
} from '../../src/index.ts'
import { SILENT } from '../../src/kit.ts'
import { releaseStalled, routes } from '../support/routes.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
const flaky = new Map<string, number>()

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname.startsWith('/flaky/')) {
      // 503 twice, then 200.
      const seen = (flaky.get(url.pathname) ?? 0) + 1
      flaky.set(url.pathname, seen)
      return sendJson(res, seen < 3 ? 503 : 200, { seen })
    }
    if (url.pathname === '/slow') {
      setTimeout(() => sendJson(res, 200, { slow: true }), 60)
      return
    }
    if (url.pathname === '/fresh') return sendJson(res, 200, { fresh: true }, { 'cache-control': 'max-age=60' })
    return routes(req, res)
  })
})
afterEach(() => {
  releaseStalled()
  vi.restoreAllMocks()
})
afterAll(() => server.close())

type Heard = { [K in ClientEventName]: { name: K; event: ClientEvents[K] } }[ClientEventName]

/** Listens to every event of `client`, in order. */
function record(client: Client): Heard[] {
  const heard: Heard[] = []
  const names: ClientEventName[] = ['request', 'response', 'retry', 'rateLimited', 'cacheHit']
  for (const name of names) client.on(name, (event) => heard.push({ name, event } as Heard))
  return heard
}

function eventsNamed<K extends ClientEventName>(heard: readonly Heard[], name: K): ClientEvents[K][] {
  return heard.filter((entry) => entry.name === name).map((entry) => entry.event as ClientEvents[K])
}

describe('client events', () => {
  it('frames a call with request and response, numbered, with the secret query value masked', async () => {
    const client = createClient({ baseUrl: server.url }).use(auth.apiKey({ query: 'appid' }, 'k-secret-123'))
    const heard = record(client)
    await client.get('/status/200', { query: { q: 'x', appid: 'k-secret-123' } })
    await client.get('/status/200')
    expect(heard.map((entry) => entry.name)).toEqual(['request', 'response', 'request', 'response'])
    const [first, second] = eventsNamed(heard, 'response')
    expect(first).toMatchObject({
      id: 1,
      method: 'GET',
      status: 200,
      attempts: 1,
      cacheStatus: 'bypass',
      error: undefined,
    })
    expect(first?.url).toBe(`${server.url}/status/200?q=x&appid=[REDACTED]`)
    expect(first?.durationMs).toBeGreaterThan(0)
    expect(second?.id).toBe(2)
    expect(JSON.stringify(heard)).not.toContain('k-secret-123')
  })

  it('reports each retry with its status and delay, and the attempts in the response', async () => {
    const client = createClient({ baseUrl: server.url }).use(retry({ minDelay: 1, maxDelay: 5 }))
    const heard = record(client)
    const response = await client.get('/flaky/a')
    expect(response.status).toBe(200)
    const retries = eventsNamed(heard, 'retry')
    expect(retries.map((event) => [event.attempt, event.status])).toEqual([
      [1, 503],
      [2, 503],
    ])
    expect(retries.every((event) => event.delayMs >= 0 && event.delayMs <= 5)).toBe(true)
    expect(eventsNamed(heard, 'response')[0]).toMatchObject({ status: 200, attempts: 3 })
  })

  it('reports a rate-limit wait, and the time waited in the response', async () => {
    const client = createClient({ baseUrl: server.url }).use(rateLimit({ concurrency: 1 }))
    const heard = record(client)
    await Promise.all([client.get('/slow'), client.get('/slow')])
    expect(eventsNamed(heard, 'rateLimited')).toEqual([
      expect.objectContaining({ id: 2, group: 'default', reason: 'concurrency', waitMs: 0 }),
    ])
    const waits = eventsNamed(heard, 'response').map((event) => event.rateLimitWaitMs ?? -1)
    expect(waits.filter((wait) => wait === 0)).toHaveLength(1)
    expect(Math.max(...waits)).toBeGreaterThan(20)
  })

  it('reports cache hits', async () => {
    const client = createClient({ baseUrl: server.url }).use(cache())
    const heard = record(client)
    await client.get('/fresh')
    await client.get('/fresh')
    expect(eventsNamed(heard, 'cacheHit')).toEqual([expect.objectContaining({ id: 2, cacheStatus: 'hit' })])
    expect(eventsNamed(heard, 'response').map((event) => [event.cacheStatus, event.attempts])).toEqual([
      ['miss', 1],
      ['hit', 0],
    ])
  })

  it('reports failures: an HTTP error with its status, a timeout without one', async () => {
    const client = createClient({ baseUrl: server.url, timeout: 50 })
    const heard = record(client)
    await expect(client.get('/status/404')).rejects.toBeInstanceOf(HttpError)
    await expect(client.get('/never')).rejects.toBeInstanceOf(TimeoutError)
    const [notFound, timedOut] = eventsNamed(heard, 'response')
    expect(notFound?.status).toBe(404)
    expect(notFound?.error).toBeInstanceOf(HttpError)
    expect(timedOut?.status).toBeUndefined()
    expect(timedOut?.error).toBeInstanceOf(TimeoutError)
  })

  it('covers client.fetch too', async () => {
    const client = createClient({ baseUrl: server.url })
    const heard = record(client)
    const response = await client.fetch('/status/418')
    await response.body?.cancel()
    expect(eventsNamed(heard, 'response')).toEqual([expect.objectContaining({ method: 'GET', status: 418 })])
  })

  it('off() stops a listener; a child from extend() starts without listeners', async () => {
    const client = createClient({ baseUrl: server.url })
    const listener = vi.fn()
    client.on('response', listener)
    const child = client.extend({})
    await child.get('/status/200')
    expect(listener).not.toHaveBeenCalled()
    await client.get('/status/200')
    client.off('response', listener)
    await client.get('/status/200')
    expect(listener).toHaveBeenCalledTimes(1)
  })

  it('gives middlewares the silent sink while nobody listens', async () => {
    const seen: Context['events'][] = []
    const client = createClient({ baseUrl: server.url }).use(async (ctx, next) => {
      seen.push(ctx.events)
      await next()
    })
    await client.get('/status/200')
    client.on('request', () => undefined)
    await client.get('/status/200')
    expect(seen[0]).toBe(SILENT)
    expect(seen[1]).not.toBe(SILENT)
    expect(seen[1]?.listens('request')).toBe(true)
    expect(seen[1]?.listens('retry')).toBe(false)
  })

  it('a throwing listener does not fail the call; its error is thrown again from a microtask', async () => {
    // Runs every microtask as usual, keeping the error a task throws instead of letting it
    // become an uncaught exception (which would fail the run).
    const rethrown: unknown[] = []
    const original = globalThis.queueMicrotask
    vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      original(() => {
        try {
          task()
        } catch (error) {
          rethrown.push(error)
        }
      })
    })
    const client = createClient({ baseUrl: server.url })
    client.on('request', () => {
      throw new Error('listener bug')
    })
    const after = vi.fn()
    client.on('request', after)
    const response = await client.get('/status/200')
    vi.restoreAllMocks()
    expect(response.status).toBe(200)
    expect(after).toHaveBeenCalledTimes(1)
    expect(rethrown).toEqual([new Error('listener bug')])
  })

  it('refuses a listener that is not a function', () => {
    const client = createClient()
    expect(() => client.on('response', 'nope' as never)).toThrow(/listener must be a function/)
  })
})
