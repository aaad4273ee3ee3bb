import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ConcurrencyEvent, rateLimit } from '../../middleware/index.ts'
import { ConfigError, createClient } from '../../src/index.ts'
import { startServer, type TestServer } from '../support/server.ts'

// A server that refuses with 429 above a number of requests in flight, answering the others
// after 20 ms. Adaptive concurrency finds its bound, and follows it when it rises.

let server: TestServer
let serverLimit = 8
let inFlight = 0
let busiest = 0
let refused = 0

beforeAll(async () => {
  server = await startServer((_req, res) => {
    if (inFlight >= serverLimit) {
      refused += 1
      res.writeHead(429).end()
      return
    }
    inFlight += 1
    busiest = Math.max(busiest, inFlight)
    setTimeout(() => {
      inFlight -= 1
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    }, 20)
  })
})
afterAll(() => server.close())

/** `calls` calls from 64 callers at once; returns the 429s the server sent meanwhile. */
async function load(limiter: ReturnType<typeof rateLimit>, calls: number, onBound?: (bound: number) => void) {
  const api = createClient({ baseUrl: server.url, throwHttpErrors: false }).use(limiter)
  let left = calls
  const refusedBefore = refused
  const caller = async () => {
    while (left > 0) {
      left -= 1
      await api.get('/work')
      onBound?.(limiter.concurrency())
    }
  }
  await Promise.all(Array.from({ length: 64 }, caller))
  return refused - refusedBefore
}

describe('rateLimit({ adaptiveConcurrency })', () => {
  it('settles near a server that takes 8 at once, with far fewer 429s than 64 fixed, and rises when the server does', async () => {
    serverLimit = 8
    const fixed = await load(rateLimit({ concurrency: 64 }), 400)

    const limiter = rateLimit({ concurrency: 64, adaptiveConcurrency: true })
    const bounds: number[] = []
    const adaptive = await load(limiter, 400, (bound) => bounds.push(bound))
    expect(adaptive).toBeLessThan(fixed / 4)
    // After the first hundred calls the bound stays about what the server takes: AIMD's
    // sawtooth tops out just above it, where a 429 halves it.
    const settled = bounds.slice(100).sort((a, b) => a - b)
    expect(settled[Math.floor(settled.length * 0.9)]).toBeLessThanOrEqual(10)
    expect(settled.at(-1)).toBeLessThanOrEqual(12)

    serverLimit = 32
    busiest = 0
    const risen: number[] = []
    await load(limiter, 1_200, (bound) => risen.push(bound))
    expect(Math.max(...risen)).toBeGreaterThanOrEqual(20)
    expect(busiest).toBeGreaterThanOrEqual(20)
    expect(Math.max(...risen)).toBeLessThanOrEqual(64)
  })

  it('reports each move of the bound through the client event, and never passes its ceiling', async () => {
    serverLimit = 100
    const limiter = rateLimit({ adaptiveConcurrency: { min: 2, max: 12, initial: 4 } })
    const api = createClient({ baseUrl: server.url }).use(limiter)
    const changes: ConcurrencyEvent[] = []
    api.on('concurrency', (event) => changes.push(event))
    expect(limiter.concurrency()).toBe(4)
    let left = 300
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (left-- > 0) await api.get('/work')
      }),
    )
    expect(limiter.concurrency()).toBe(12)
    expect(changes.length).toBeGreaterThanOrEqual(8)
    expect(changes[0]).toMatchObject({ group: 'default', previous: 4, limit: 5, method: 'GET' })
    for (const change of changes) expect(change.limit).toBeLessThanOrEqual(12)
  })

  it('refuses bounds that cannot hold, naming them', () => {
    expect(() => rateLimit({ concurrency: 10, adaptiveConcurrency: { max: 20 } })).toThrow(
      'rateLimit(): adaptiveConcurrency.max (20) is above concurrency (10)',
    )
    expect(() => rateLimit({ adaptiveConcurrency: { min: 5, max: 3 } })).toThrow(ConfigError)
    expect(() => rateLimit({ adaptiveConcurrency: { min: 0 } })).toThrow(/min must be a whole number from 1/)
    expect(() => rateLimit({ adaptiveConcurrency: { ceiling: 3 } as never })).toThrow(/has no option 'ceiling'/)
    expect(() => rateLimit({ adaptiveConcurrency: 'yes' as never })).toThrow(/must be true or/)
  })
})
