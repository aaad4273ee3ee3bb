import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type CircuitEvent, CircuitOpenError, circuitBreaker } from '../../middleware/index.ts'
import {
  AbortError,
  type Client,
  ConfigError,
  createClient,
  NetworkError,
  PlyError,
  RateLimitError,
  TimeoutError,
} from '../../src/index.ts'
import { registerSecret } from '../../src/kit.ts'
import { type FragileOrigin, startFragileOrigin } from '../support/fragile-origin.ts'
import { thrown } from '../support/thrown.ts'

const origins: FragileOrigin[] = []
async function origin(mode: FragileOrigin['mode']): Promise<FragileOrigin> {
  const started = await startFragileOrigin(mode)
  origins.push(started)
  return started
}
afterEach(() => {
  vi.useRealTimers()
  for (const started of origins) started.release()
})
afterAll(() => Promise.all(origins.map((started) => started.close())))

/** What a call came to: its status, or its error's class. */
async function outcome(call: Promise<{ status: number }>): Promise<number | string> {
  return call.then(
    (response) => response.status,
    (error: Error) => error.name,
  )
}

/** Calls `path` `count` times one after another; the outcome of each. */
async function calls(client: Client, path: string, count: number): Promise<(number | string)[]> {
  const outcomes: (number | string)[] = []
  for (let i = 0; i < count; i++) outcomes.push(await outcome(client.get(path, { throwHttpErrors: false })))
  return outcomes
}

/** The `circuit` events of `client`, without the call's id, method and URL. */
function transitions(client: Client): Omit<CircuitEvent, 'id' | 'method' | 'url'>[] {
  const heard: Omit<CircuitEvent, 'id' | 'method' | 'url'>[] = []
  client.on('circuit', ({ id: _id, method: _method, url: _url, ...change }) => heard.push(change))
  return heard
}

const later = (ms: number): void => {
  vi.setSystemTime(Date.now() + ms)
}

describe('circuitBreaker(): an origin that resets every connection', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] })
  })

  it('opens after the configured failures; the next 100 calls are refused at once and the server sees none', async () => {
    const server = await origin('reset')
    const breaker = circuitBreaker({ failures: 3, openMs: 60_000 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    expect(await calls(client, '/items', 3)).toEqual(['NetworkError', 'NetworkError', 'NetworkError'])
    expect(server.connections).toBe(3)

    const openedAt = Date.now()
    const refusals = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => client.get(`/items/${i}`)))
    expect(server.connections).toBe(3)
    expect(server.requests).toBe(0)
    for (const refusal of refusals) {
      expect(refusal.status).toBe('rejected')
      const error = (refusal as PromiseRejectedResult).reason as CircuitOpenError
      expect(error).toBeInstanceOf(CircuitOpenError)
      expect(error).toBeInstanceOf(PlyError)
      expect(error).not.toBeInstanceOf(RateLimitError)
      expect(error.key).toBe(server.url)
      expect(error.state).toBe('open')
      expect(error.resetAt.getTime()).toBe(openedAt + 60_000)
      expect(error.retryAfterMs).toBe(60_000)
    }
    const first = (refusals[7] as PromiseRejectedResult).reason as CircuitOpenError
    expect(first.request).toEqual({ method: 'GET', url: `${server.url}/items/7` })
    expect(first.message).toBe(
      `the circuit breaker for ${server.url} is open (3 consecutive failures); it lets a probe through at ${new Date(openedAt + 60_000).toISOString()}; nothing was sent (GET ${server.url}/items/7)`,
    )
    expect(breaker.state()).toEqual({
      key: server.url,
      state: 'open',
      failures: 3,
      resetAt: new Date(openedAt + 60_000),
    })
  })

  it('lets one probe out after the open time: a failure opens it again, a success closes it and calls flow', async () => {
    const server = await origin('reset')
    const breaker = circuitBreaker({ failures: 2, openMs: 60_000 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    const heard = transitions(client)
    await calls(client, '/a', 2)
    expect(await calls(client, '/a', 5)).toEqual(Array(5).fill('CircuitOpenError'))
    expect(server.connections).toBe(2)

    later(60_000)
    expect(await calls(client, '/a', 1)).toEqual(['NetworkError'])
    expect(server.connections).toBe(3)
    expect(await calls(client, '/a', 100)).toEqual(Array(100).fill('CircuitOpenError'))
    expect(server.connections).toBe(3)

    later(60_000)
    server.mode = 'ok'
    expect(await calls(client, '/a', 1)).toEqual([200])
    expect(breaker.state().state).toBe('closed')
    expect(await calls(client, '/a', 20)).toEqual(Array(20).fill(200))
    expect(server.requests).toBe(21)
    expect(heard).toEqual([
      { key: server.url, from: 'closed', to: 'open', reason: 'failures', failures: 2, openMs: 60_000 },
      { key: server.url, from: 'open', to: 'half-open', reason: 'probe', failures: 2 },
      { key: server.url, from: 'half-open', to: 'open', reason: 'probe-failed', failures: 2, openMs: 60_000 },
      { key: server.url, from: 'open', to: 'half-open', reason: 'probe', failures: 2 },
      { key: server.url, from: 'half-open', to: 'closed', reason: 'probe-succeeded', failures: 0 },
    ])
  })

  it('while half-open, lets exactly one probe out and refuses the other calls until it settles', async () => {
    const server = await origin('503')
    const breaker = circuitBreaker({ failures: 2, openMs: 10_000 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    expect(await calls(client, '/p', 2)).toEqual([503, 503])
    later(10_000)
    server.mode = 'hold'
    const probe = client.get('/p')
    await vi.waitFor(() => expect(server.requests).toBe(3), { interval: 5, timeout: 5_000 })
    const during = await Promise.allSettled(Array.from({ length: 10 }, () => client.get('/p')))
    expect(server.requests).toBe(3)
    for (const refusal of during) {
      const error = (refusal as PromiseRejectedResult).reason as CircuitOpenError
      expect(error).toBeInstanceOf(CircuitOpenError)
      expect(error.state).toBe('half-open')
      expect(error.retryAfterMs).toBe(0)
    }
    expect(breaker.state().state).toBe('half-open')
    server.release(200)
    expect((await probe).status).toBe(200)
    expect(breaker.state()).toEqual({ key: server.url, state: 'closed', failures: 0, resetAt: undefined })
  })

  it('doubles the open time after each failed probe, up to maxOpenMs, and starts again from openMs once closed', async () => {
    const server = await origin('reset')
    const client = createClient({ baseUrl: server.url }).use(
      circuitBreaker({ failures: 1, openMs: 1_000, maxOpenMs: 3_000 }),
    )
    const heard = transitions(client)
    await calls(client, '/', 1)
    for (const wait of [1_000, 2_000, 3_000]) {
      later(wait - 1)
      expect(await calls(client, '/', 1)).toEqual(['CircuitOpenError'])
      later(1)
      expect(await calls(client, '/', 1)).toEqual(['NetworkError'])
    }
    later(3_000)
    server.mode = 'ok'
    await calls(client, '/', 1)
    server.mode = 'reset'
    await calls(client, '/', 1)
    const openings = heard.filter((change) => change.to === 'open').map((change) => change.openMs)
    expect(openings).toEqual([1_000, 2_000, 3_000, 3_000, 1_000])
  })
})

describe('circuitBreaker(): what counts', () => {
  it('counts 5xx as failures and a success resets the count; a 429 counts neither way', async () => {
    const server = await origin('503')
    const breaker = circuitBreaker({ failures: 3 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    await calls(client, '/', 2)
    expect(breaker.state().failures).toBe(2)
    server.mode = 'ok'
    await calls(client, '/', 1)
    expect(breaker.state().failures).toBe(0)
    server.mode = '503'
    await calls(client, '/', 2)
    server.mode = '429'
    expect(await calls(client, '/', 5)).toEqual(Array(5).fill(429))
    expect(breaker.state()).toMatchObject({ state: 'closed', failures: 2 })
    server.mode = '503'
    await calls(client, '/', 1)
    expect(breaker.state()).toMatchObject({ state: 'open', failures: 3 })
  })

  it('takes isFailure for the statuses that count', async () => {
    const server = await origin('503')
    const breaker = circuitBreaker({ failures: 1, isFailure: (status) => status === 429 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    await calls(client, '/', 3)
    expect(breaker.state().state).toBe('closed')
    server.mode = '429'
    await calls(client, '/', 1)
    expect(breaker.state().state).toBe('closed')
  })

  it("counts an attempt's timeout; the caller's abort and a deadline that ran out count neither way", async () => {
    const server = await origin('hold')
    const breaker = circuitBreaker({ failures: 2 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    await expect(client.get('/t', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
    expect(breaker.state().failures).toBe(1)
    await expect(client.get('/t', { signal: AbortSignal.timeout(50) })).rejects.toBeInstanceOf(AbortError)
    await expect(client.get('/t', { deadline: 50 })).rejects.toThrow(/deadline of 50 ms passed/)
    expect(breaker.state()).toMatchObject({ state: 'closed', failures: 1 })
    await expect(client.get('/t', { timeout: 50 })).rejects.toBeInstanceOf(TimeoutError)
    expect(breaker.state()).toMatchObject({ state: 'open', failures: 2 })
  })

  it('opens on a failure ratio over the window, though failures never run consecutively', async () => {
    const server = await origin('ok')
    const breaker = circuitBreaker({ failures: 100, failureRatio: 0.5, minCalls: 10 })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    const heard = transitions(client)
    for (let i = 1; i <= 9; i++) {
      server.mode = i % 2 === 0 ? '503' : 'ok'
      await calls(client, '/', 1)
    }
    expect(breaker.state()).toMatchObject({ state: 'closed', failures: 0 })
    server.mode = '503'
    await calls(client, '/', 1)
    expect(breaker.state().state).toBe('open')
    expect(heard).toEqual([
      { key: server.url, from: 'closed', to: 'open', reason: 'ratio', failures: 1, openMs: 30_000 },
    ])
  })

  it('answers client.fetch() with the Response, and refuses it once open', async () => {
    const server = await origin('503')
    const client = createClient({ baseUrl: server.url }).use(circuitBreaker({ failures: 1 }))
    expect((await client.fetch('/raw')).status).toBe(503)
    await expect(client.fetch('/raw')).rejects.toBeInstanceOf(CircuitOpenError)
    expect(server.requests).toBe(1)
  })
})

describe('circuitBreaker(): keys', () => {
  it('keeps a breaker per origin by default: one origin down does not stop calls to another', async () => {
    const [down, up] = [await origin('reset'), await origin('ok')]
    const breaker = circuitBreaker({ failures: 1 })
    const client = createClient().use(breaker)
    await outcome(client.get(`${down.url}/x`))
    expect(await outcome(client.get(`${down.url}/x`))).toBe('CircuitOpenError')
    expect(await outcome(client.get(`${up.url}/x`))).toBe(200)
    expect(breaker.state(down.url).state).toBe('open')
    expect(breaker.state(up.url).state).toBe('closed')
  })

  it('keeps one per route with a key function', async () => {
    const server = await origin('503')
    const route = (path: string) => path.split('/')[1] ?? ''
    const breaker = circuitBreaker({ failures: 1, key: (ctx) => route(ctx.request.peekUrl().pathname) })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    await calls(client, '/search/1', 1)
    server.mode = 'ok'
    expect(await calls(client, '/search/2', 1)).toEqual(['CircuitOpenError'])
    expect(await calls(client, '/users/1', 1)).toEqual([200])
    expect(breaker.state('search').state).toBe('open')
  })

  it('holds at most maxKeys breakers, dropping the least recently used', async () => {
    const server = await origin('503')
    const breaker = circuitBreaker({ failures: 1, maxKeys: 2, key: (ctx) => ctx.request.peekUrl().pathname })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    await calls(client, '/a', 1)
    await calls(client, '/b', 1)
    await calls(client, '/a', 1)
    await calls(client, '/c', 1)
    expect(breaker.state('/a').state).toBe('open')
    expect(breaker.state('/b').state).toBe('closed')
  })

  it('masks a registered secret in the key it reports', async () => {
    const server = await origin('503')
    registerSecret('tenant-secret-9f2c')
    const client = createClient({ baseUrl: server.url }).use(
      circuitBreaker({ failures: 1, key: () => 'tenant-secret-9f2c' }),
    )
    const heard = transitions(client)
    await calls(client, '/', 1)
    const error = (await client.get('/').catch((caught: unknown) => caught)) as CircuitOpenError
    expect(error).toBeInstanceOf(CircuitOpenError)
    expect(JSON.stringify({ error, message: error.message, heard })).not.toContain('tenant-secret-9f2c')
  })
})

describe('circuitBreaker(): options and lifecycle', () => {
  it.each([
    [{ failures: 0 }, 'circuitBreaker(): failures must be a whole number ≥ 1, got 0'],
    [{ openMs: -1 }, 'circuitBreaker(): openMs must be a number of ms above 0, up to 2147483647, got -1'],
    [{ openMs: 1_000, maxOpenMs: 500 }, 'circuitBreaker(): maxOpenMs must not be below openMs'],
    [{ failureRatio: 1.5 }, 'circuitBreaker(): failureRatio must be a number above 0, up to 1, got 1.5'],
    [{ key: 'origin' }, 'circuitBreaker(): key must be a function of the context, returning a string'],
    [
      { shared: {} },
      'circuitBreaker(): shared must be what redisConnection({ url | client, id }) of ply-http/redis makes',
    ],
    [{ openMS: 10 }, "circuitBreaker(): unknown option 'openMS' (did you mean 'openMs'?)"],
  ])('refuses %o with a ConfigError', (options, message) => {
    const error = thrown(() => circuitBreaker(options as never))
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toBe(message)
  })

  it('state() without a key needs a client with a baseUrl', () => {
    expect(() => circuitBreaker().state()).toThrow(ConfigError)
    expect(circuitBreaker().state('https://api.example.com')).toEqual({
      key: 'https://api.example.com',
      state: 'closed',
      failures: 0,
      resetAt: undefined,
    })
  })

  it('closes with its client, once, and holds nothing that keeps a process alive', async () => {
    const breaker = circuitBreaker()
    const client = createClient({ baseUrl: 'https://api.example.com' }).use(breaker)
    const closing = breaker.close()
    expect(breaker.close()).toBe(closing)
    await client.close()
    await expect(client.get('/')).rejects.toThrow(/closed/)
  })

  it('is a NetworkError that opens it, not an error of a layer inside it', async () => {
    const server = await origin('reset')
    const client = createClient({ baseUrl: server.url }).use(circuitBreaker({ failures: 1 }))
    await expect(client.get('/')).rejects.toBeInstanceOf(NetworkError)
    await expect(client.get('/')).rejects.toBeInstanceOf(CircuitOpenError)
  })
})
