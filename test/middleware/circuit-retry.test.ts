import { afterAll, describe, expect, it } from 'vitest'
import {
  type CircuitEvent,
  CircuitOpenError,
  circuitBreaker,
  type RetryEvent,
  rateLimit,
  retry,
} from '../../middleware/index.ts'
import { type Client, createClient, NetworkError } from '../../src/index.ts'
import { type FragileOrigin, startFragileOrigin } from '../support/fragile-origin.ts'

// circuitBreaker() inside retry(): retry waits for a refusing breaker when it may, and the
// deadline and maxRetryAfter win.

const origins: FragileOrigin[] = []
async function origin(mode: FragileOrigin['mode']): Promise<FragileOrigin> {
  const started = await startFragileOrigin(mode)
  origins.push(started)
  return started
}
afterAll(() => Promise.all(origins.map((started) => started.close())))

function listen(client: Client): { retries: RetryEvent[]; changes: CircuitEvent[] } {
  const heard = { retries: [] as RetryEvent[], changes: [] as CircuitEvent[] }
  client.on('retry', (event) => heard.retries.push(event))
  client.on('circuit', (event) => heard.changes.push(event))
  return heard
}

describe('circuitBreaker() inside retry()', () => {
  it('does not retry a CircuitOpenError whose breaker opens for longer than maxRetryAfter: it fails at once', async () => {
    const server = await origin('reset')
    const client = createClient({ baseUrl: server.url })
      .use(retry({ retries: 3, minDelay: 1, maxDelay: 5, maxRetryAfter: 1_000 }))
      .use(circuitBreaker({ failures: 2, openMs: 60_000 }))
    const heard = listen(client)
    const error = (await client.get('/x').catch((caught: unknown) => caught)) as CircuitOpenError
    expect(error).toBeInstanceOf(CircuitOpenError)
    // Two attempts failed and opened the breaker; the third was refused, and that was the answer.
    expect(error.attemptCauses?.map((cause) => (cause as Error).name)).toEqual(['NetworkError', 'NetworkError'])
    expect(heard.retries.map((event) => event.error?.name)).toEqual(['NetworkError', 'NetworkError'])
    expect(server.connections).toBe(2)

    await expect(client.get('/x')).rejects.toBeInstanceOf(CircuitOpenError)
    expect(heard.retries).toHaveLength(2)
    expect(server.connections).toBe(2)
  })

  it('waits until the breaker lets a probe through, and the probe answers the call', async () => {
    const server = await origin('reset')
    const client = createClient({ baseUrl: server.url })
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 5 }))
      .use(circuitBreaker({ failures: 2, openMs: 200 }))
    const heard = listen(client)
    for (let i = 0; i < 2; i++) await expect(client.get('/y', { retry: false })).rejects.toBeInstanceOf(NetworkError)
    server.mode = 'ok'
    const response = await client.get('/y')
    expect(response.status).toBe(200)
    expect(response.attempts).toBe(1)
    expect(server.requests).toBe(1)
    expect(heard.retries).toHaveLength(1)
    const [wait] = heard.retries
    expect(wait?.error).toBeInstanceOf(CircuitOpenError)
    expect(wait?.delayMs).toBeGreaterThan(0)
    expect(wait?.delayMs).toBeLessThanOrEqual(201)
    expect(heard.changes.map((change) => `${change.from}>${change.to} ${change.reason}`)).toEqual([
      'closed>open failures',
      'open>half-open probe',
      'half-open>closed probe-succeeded',
    ])
  })

  it('sends a POST again once the breaker lets it through: the refusal sent nothing', async () => {
    const server = await origin('reset')
    const client = createClient({ baseUrl: server.url })
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 5 }))
      .use(circuitBreaker({ failures: 1, openMs: 150 }))
    const heard = listen(client)
    await expect(client.post('/p', { json: {} })).rejects.toBeInstanceOf(NetworkError)
    // A POST that failed on the network is not sent twice (the server may have acted on it).
    expect(heard.retries).toHaveLength(0)
    expect(server.connections).toBe(1)
    server.mode = 'ok'
    const response = await client.post('/p', { json: { n: 1 } })
    expect(response.status).toBe(200)
    expect(server.requests).toBe(1)
    expect(heard.retries.map((event) => event.error?.name)).toEqual(['CircuitOpenError'])
    // Its own choice still wins: retry: false takes the refusal as the answer.
    server.mode = 'reset'
    await expect(client.post('/p', { json: {} })).rejects.toBeInstanceOf(NetworkError)
    await expect(client.post('/p', { json: {}, retry: false })).rejects.toBeInstanceOf(CircuitOpenError)
  })

  it("gives up at once when the breaker opens past the call's deadline", async () => {
    const server = await origin('503')
    const client = createClient({ baseUrl: server.url })
      .use(retry({ retries: 3, minDelay: 1, maxDelay: 5 }))
      .use(circuitBreaker({ failures: 1, openMs: 30_000 }))
    const heard = listen(client)
    await client.get('/z', { retry: false, throwHttpErrors: false })
    await expect(client.get('/z', { deadline: 5_000 })).rejects.toBeInstanceOf(CircuitOpenError)
    expect(heard.retries).toEqual([])
    expect(server.requests).toBe(1)
  })

  it('counts every attempt, so retries open it within one call', async () => {
    const server = await origin('503')
    const breaker = circuitBreaker({ failures: 3, openMs: 30_000 })
    const client = createClient({ baseUrl: server.url })
      .use(retry({ retries: 5, minDelay: 1, maxDelay: 5, maxRetryAfter: 1_000 }))
      .use(breaker)
    const error = await client.get('/w').catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(CircuitOpenError)
    expect(server.requests).toBe(3)
    expect(breaker.state().state).toBe('open')
  })

  it('takes no rate-limit turn for a call it refuses', async () => {
    const server = await origin('503')
    // One call a second, and none may wait: a refused call that queued would be a RateLimitError.
    const client = createClient({ baseUrl: server.url })
      .use(circuitBreaker({ failures: 1, openMs: 30_000 }))
      .use(rateLimit({ perSecond: 1, maxWait: 0 }))
    await client.get('/l', { throwHttpErrors: false })
    const refused = await Promise.allSettled(Array.from({ length: 20 }, () => client.get('/l')))
    expect(refused.map((result) => (result as PromiseRejectedResult).reason?.name)).toEqual(
      Array(20).fill('CircuitOpenError'),
    )
    expect(server.requests).toBe(1)
    await client.close()
  })
})
