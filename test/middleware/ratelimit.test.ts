import { setTimeout as realWait } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cache } from '../../middleware/index.ts'
import { type LimitedEvent, rateLimit } from '../../middleware/ratelimit/index.ts'
import { AbortError, ConfigError, createClient, type Middleware, RateLimitError } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'
import { busiestWindow } from '../support/windows.ts'

/**
 * Start times (fake clock) per path, stamped as a request leaves the limiter: the server's
 * clock would add the real I/O time between fake-clock steps.
 */
const starts = new Map<string, number[]>()
const stamp: Middleware = async (ctx, next) => {
  const path = ctx.request.peekUrl().pathname
  starts.set(path, [...(starts.get(path) ?? []), Date.now()])
  await next()
}
/** What the server received, per path. */
const received = new Map<string, number>()
/** Extra headers and status per path, for the next answer. */
const answers = new Map<string, { status: number; headers: Record<string, string> }[]>()
let server: TestServer

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    received.set(path, (received.get(path) ?? 0) + 1)
    const answer = answers.get(path)?.shift() ?? { status: 200, headers: {} }
    sendJson(res, answer.status, { n: received.get(path) }, answer.headers)
  })
})
afterAll(() => server.close())
afterEach(() => {
  vi.useRealTimers()
})

let seq = 0
const fresh = () => `/p${++seq}`
const seen = (path: string) => starts.get(path) ?? []

/** Fake clock for timers and Date; real I/O runs between steps. */
function fakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
  vi.setSystemTime(new Date('2026-06-01T00:00:00.000Z'))
}

/** Advances the fake clock in steps, letting real I/O run after each. */
async function advance(ms: number, step = 50): Promise<void> {
  for (let done = 0; done < ms; done += step) {
    await vi.advanceTimersByTimeAsync(Math.min(step, ms - done))
    await realWait(2)
  }
}

describe('windows', () => {
  it('10/s, 50 requests: no sliding second holds more than 10 starts, all done in 4–5.5 s', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 10 }))
      .use(stamp)
    const began = Date.now()
    let finished = 0
    let doneAt = 0
    const calls = Array.from({ length: 50 }, () =>
      api.get(path).then(() => {
        finished += 1
        if (finished === 50) doneAt = Date.now()
      }),
    )
    while (finished < 50) await advance(100)
    await Promise.all(calls)
    expect(busiestWindow(seen(path), 1000)).toBeLessThanOrEqual(10)
    expect(doneAt - began).toBeGreaterThanOrEqual(4000)
    expect(doneAt - began).toBeLessThanOrEqual(5500)
  })

  it('100/min: the 101st request waits for the window', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perMinute: 100, perSecond: 1000 }))
      .use(stamp)
    const first = Array.from({ length: 100 }, () => api.get(path))
    await advance(200)
    await Promise.all(first)
    const late = api.get(path)
    await advance(59_000, 1000)
    expect(seen(path)).toHaveLength(100)
    await advance(2_000, 100)
    await late
    expect(seen(path)).toHaveLength(101)
    expect((seen(path)[100] as number) - (seen(path)[0] as number)).toBeGreaterThanOrEqual(60_000)
  })

  it('3/hour: the 4th request waits for the hour', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perHour: 3 }))
      .use(stamp)
    await Promise.all([api.get(path), api.get(path), api.get(path)])
    const late = api.get(path)
    await advance(3_599_000, 60_000)
    expect(seen(path)).toHaveLength(3)
    await advance(2_000, 100)
    await late
    expect(seen(path)).toHaveLength(4)
    expect((seen(path)[3] as number) - (seen(path)[0] as number)).toBeGreaterThanOrEqual(3_600_000)
  })

  it('a cache hit takes no slot: cache() outside rateLimit(), 1/s, 5 GETs of a fresh resource do not wait', async () => {
    const path = fresh()
    answers.set(path, [{ status: 200, headers: { 'cache-control': 'max-age=60' } }])
    const api = createClient({ baseUrl: server.url })
      .use(cache())
      .use(rateLimit({ perSecond: 1 }))
      .use(stamp)
    const began = performance.now()
    const statuses: string[] = []
    for (let i = 0; i < 5; i++) statuses.push((await api.get(path)).cacheStatus)
    // Had each hit taken a slot at 1/s, the five calls would have taken 4 s.
    expect(performance.now() - began).toBeLessThan(2_500)
    expect(statuses).toEqual(['miss', 'hit', 'hit', 'hit', 'hit'])
    expect(received.get(path)).toBe(1)
  })

  it('keeps concurrency', async () => {
    let inFlight = 0
    let most = 0
    const gauge: Middleware = async (_ctx, next) => {
      inFlight += 1
      most = Math.max(most, inFlight)
      await realWait(5)
      try {
        await next()
      } finally {
        inFlight -= 1
      }
    }
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ concurrency: 3 }))
      .use(stamp)
      .use(gauge)
    await Promise.all(Array.from({ length: 12 }, () => api.get(fresh())))
    expect(most).toBe(3)
  })
})

describe('learning from the server', () => {
  it('X-RateLimit-Remaining: 0 with a reset 2 s ahead: nothing reaches the server before the reset', async () => {
    fakeClock()
    const path = fresh()
    const reset = String(Date.now() / 1000 + 2)
    answers.set(path, [
      { status: 200, headers: { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
    ])
    const limiter = rateLimit()
    const api = createClient({ baseUrl: server.url }).use(limiter).use(stamp)
    await api.get(path)
    expect(limiter.quota()).toEqual({ limit: 60, remaining: 0, reset: new Date(Number(reset) * 1000) })
    // The client tells it too, without the caller keeping the middleware at hand.
    expect(api.quota()).toEqual(limiter.quota())
    expect(createClient({ baseUrl: server.url }).quota()).toBeUndefined()
    const queued = Array.from({ length: 5 }, () => api.get(path))
    await advance(1_900)
    expect(seen(path)).toHaveLength(1)
    await advance(300)
    await Promise.all(queued)
    expect(seen(path)).toHaveLength(6)
    expect((seen(path)[1] as number) - (seen(path)[0] as number)).toBeGreaterThanOrEqual(2_000)
  })

  it('a 429 with Retry-After: 1 pauses the whole group, not just that request', async () => {
    fakeClock()
    const path = fresh()
    answers.set(path, [{ status: 429, headers: { 'retry-after': '1' } }])
    const events: LimitedEvent[] = []
    const api = createClient({ baseUrl: server.url, throwHttpErrors: false })
      .use(rateLimit())
      .use(stamp)
      .on('rateLimited', (e) => events.push(e))
    expect((await api.get(path)).status).toBe(429)
    const others = [api.get(path), api.get(fresh()), api.get(fresh())]
    await advance(900)
    expect(seen(path)).toHaveLength(1)
    await advance(200)
    await Promise.all(others)
    expect(seen(path)).toHaveLength(2)
    expect(events[0]).toMatchObject({ group: 'default', reason: 'server' })
    expect(events[0]?.waitMs).toBeGreaterThan(900)
  })

  it('a 503 with an HTTP-date Retry-After pauses the group until that date', async () => {
    fakeClock()
    const path = fresh()
    // The fake clock reads 2026-06-01T00:00:00Z: the date is 2 s ahead.
    answers.set(path, [{ status: 503, headers: { 'retry-after': 'Mon, 01 Jun 2026 00:00:02 GMT' } }])
    const events: LimitedEvent[] = []
    const api = createClient({ baseUrl: server.url, throwHttpErrors: false })
      .use(rateLimit())
      .use(stamp)
      .on('rateLimited', (e) => events.push(e))
    expect((await api.get(path)).status).toBe(503)
    const others = [api.get(path), api.get(path)]
    await advance(1_900)
    expect(seen(path)).toHaveLength(1)
    await advance(200)
    await Promise.all(others)
    expect(seen(path)).toHaveLength(3)
    expect((seen(path)[1] as number) - (seen(path)[0] as number)).toBeGreaterThanOrEqual(2_000)
    expect(events[0]).toMatchObject({ group: 'default', reason: 'server' })
  })

  it('a RateLimit-Policy from the server becomes a window of the group', async () => {
    fakeClock()
    const path = fresh()
    answers.set(path, [{ status: 200, headers: { 'ratelimit-policy': '"burst";q=2;w=1' } }])
    const api = createClient({ baseUrl: server.url }).use(rateLimit()).use(stamp)
    await api.get(path)
    const rest = Array.from({ length: 4 }, () => api.get(path))
    await advance(10)
    // The call that taught the policy counts in its window, as it does at the server.
    expect(seen(path)).toHaveLength(2)
    await advance(2_200, 100)
    await Promise.all(rest)
    expect(seen(path)).toHaveLength(5)
    expect(busiestWindow(seen(path), 1000)).toBeLessThanOrEqual(2)
  })

  it('spreads a quota that is shorter than the configured limit over the rest of the window', async () => {
    fakeClock()
    const path = fresh()
    answers.set(path, [{ status: 200, headers: { ratelimit: '"default";r=4;t=4' } }])
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 100 }))
      .use(stamp)
    await api.get(path)
    const rest = Array.from({ length: 4 }, () => api.get(path))
    await advance(4_500, 100)
    await Promise.all(rest)
    const gaps = seen(path)
      .slice(1)
      .map((t, i) => t - (seen(path)[i] as number))
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(999)
  })
})

describe('groups, priority and back-pressure', () => {
  it('a group has limits of its own', async () => {
    fakeClock()
    const search = fresh()
    const other = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(
        rateLimit({
          perSecond: 100,
          groups: { search: { perSecond: 1 } },
          group: (ctx) => (ctx.request.peekUrl().pathname === search ? 'search' : undefined),
        }),
      )
      .use(stamp)
    const calls = [api.get(search), api.get(search), ...Array.from({ length: 5 }, () => api.get(other))]
    await advance(100)
    expect(seen(search)).toHaveLength(1)
    expect(seen(other)).toHaveLength(5)
    await advance(1_000)
    await Promise.all(calls)
    expect(seen(search)).toHaveLength(2)
  })

  it("a call's limitGroup puts it in that group, over the group function; another name is a ConfigError", async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 100, groups: { slow: { perSecond: 1 } }, group: () => 'default' }))
      .use(stamp)
    const calls = [1, 2, 3].map(() => api.get(path, { limitGroup: 'slow' }))
    await advance(100)
    expect(seen(path)).toHaveLength(1)
    await advance(2_000)
    await Promise.all(calls)
    expect(seen(path)).toHaveLength(3)
    await expect(api.get(path, { limitGroup: 'fast' })).rejects.toThrow(/limitGroup must be one of 'default', 'slow'/)
    await expect(api.get(path, { limitGroup: 'default' })).resolves.toMatchObject({ status: 200 })
  })

  it("a group that shares another's quota is held by what the server taught that group, until the reset", async () => {
    fakeClock()
    const read = fresh()
    const write = fresh()
    const reset = String(Date.now() / 1000 + 2)
    answers.set(read, [
      { status: 200, headers: { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
    ])
    const limiter = rateLimit({
      perSecond: 1,
      groups: { mutation: { concurrency: 1, sharesQuotaWith: 'default' } },
      group: (ctx) => (ctx.request.method === 'POST' ? 'mutation' : undefined),
    })
    const api = createClient({ baseUrl: server.url }).use(limiter).use(stamp)
    await api.get(read)
    expect(limiter.quota('mutation')).toEqual({ limit: 60, remaining: 0, reset: new Date(Number(reset) * 1000) })
    expect(limiter.quota('mutation')).toEqual(limiter.quota())
    const posts = [api.post(write), api.post(write)]
    await advance(1_900)
    expect(seen(write)).toHaveLength(0)
    await advance(200)
    await Promise.all(posts)
    // The mutation group keeps its own limits: 1 at a time, not the default group's 1/s.
    expect(seen(write)).toHaveLength(2)
    expect((seen(write)[0] as number) - (seen(read)[0] as number)).toBeGreaterThanOrEqual(2_000)
    expect((seen(write)[1] as number) - (seen(write)[0] as number)).toBeLessThan(1_000)
  })

  it('a group that shares a quota teaches it too: a 429 in it pauses the group it shares with', async () => {
    fakeClock()
    const read = fresh()
    const write = fresh()
    answers.set(write, [{ status: 429, headers: { 'retry-after': '1' } }])
    const limiter = rateLimit({
      groups: { mutation: { sharesQuotaWith: 'default' }, search: {} },
      group: (ctx) =>
        ctx.request.method === 'POST' ? 'mutation' : ctx.request.peekUrl().pathname === write ? 'search' : undefined,
    })
    const api = createClient({ baseUrl: server.url, throwHttpErrors: false }).use(limiter).use(stamp)
    expect((await api.post(write)).status).toBe(429)
    const later = [api.get(read), api.get(write)]
    await advance(10)
    // 'search' has a quota of its own: not held.
    expect(seen(write)).toHaveLength(2)
    expect(seen(read)).toHaveLength(0)
    await advance(1_100)
    await Promise.all(later)
    expect(seen(read)).toHaveLength(1)
  })

  it('refuses a sharesQuotaWith that names no group, or that goes round in a circle', () => {
    expect(() => rateLimit({ groups: { a: { sharesQuotaWith: 'nope' } } })).toThrow(ConfigError)
    expect(() => rateLimit({ groups: { a: { sharesQuotaWith: 'nope' } } })).toThrow(/'a'.*'nope'/)
    expect(() => rateLimit({ groups: { a: { sharesQuotaWith: 'b' }, b: { sharesQuotaWith: 'a' } } })).toThrow(/circle/)
    expect(() => rateLimit({ groups: { a: { sharesQuotaWith: 'a' } } })).toThrow(/circle/)
    // A chain ends at the group that owns the quota.
    const limiter = rateLimit({ groups: { a: { sharesQuotaWith: 'b' }, b: { sharesQuotaWith: 'default' } } })
    expect(limiter.quota('a')).toBe(limiter.quota())
  })

  it('maxQueue: 5 with 10 more requests: 5 RateLimitErrors at once', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 1, maxQueue: 5 }))
      .use(stamp)
    await api.get(path)
    const outcomes = Array.from({ length: 10 }, () =>
      api.get(path).then(
        () => 'ok',
        (e: unknown) => e,
      ),
    )
    await advance(10)
    const settledNow = await Promise.race([Promise.all(outcomes.slice(5)), realWait(50).then(() => 'pending')])
    expect(settledNow).not.toBe('pending')
    for (const outcome of settledNow as unknown[]) expect(outcome).toBeInstanceOf(RateLimitError)
    await advance(6_000, 200)
    expect(await Promise.all(outcomes.slice(0, 5))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok'])
  })

  it('an aborted queued request never reaches the server, and leaves no timer', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 1 }))
      .use(stamp)
    await api.get(path)
    const controller = new AbortController()
    const queued = api.get(path, { signal: controller.signal }).catch((e: unknown) => e)
    await advance(100)
    controller.abort()
    expect(await queued).toBeInstanceOf(AbortError)
    await advance(2_000)
    expect(received.get(path)).toBe(1)
  })

  it('a wait that would cross the deadline fails fast, saying how long it would have been', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perMinute: 1 }))
      .use(stamp)
    await api.get(path)
    const error = await api.get(path, { deadline: 5_000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).message).toMatch(/hold this call 6\d{4} ms/)
  })

  it('maxWait bounds the wait like a deadline, and names the reset', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perMinute: 1, maxWait: 10_000 }))
      .use(stamp)
    await api.get(path)
    const error = await api.get(path).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).message).toMatch(/longer than maxWait \(10000 ms\)/)
    expect((error as RateLimitError).resetAt?.getTime()).toBeGreaterThan(Date.now() + 50_000)
    expect(received.get(path)).toBe(1)
    expect(() => rateLimit({ maxWait: -1 })).toThrow(/maxWait/)
  })

  it("a wait is predicted from the call's place in the queue: a 5th waiter whose deadline comes first fails at once", async () => {
    fakeClock()
    const path = fresh()
    const events: LimitedEvent[] = []
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 1 }))
      .use(stamp)
      .on('rateLimited', (e) => events.push(e))
    await api.get(path)
    const queued = Array.from({ length: 4 }, () => api.get(path))
    // Each waiter is told its own wait, not the head's.
    expect(events.map((e) => e.waitMs)).toEqual([1000, 2000, 3000, 4000])
    const late = api.get(path, { deadline: 2_500 }).catch((e: unknown) => e)
    const error = await Promise.race([late, realWait(50).then(() => 'pending')])
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).message).toMatch(/hold this call 5000 ms/)
    // A higher priority goes before the waiters: it is told so.
    const urgent = api.get(path, { priority: 1 })
    expect(events.at(-1)?.waitMs).toBe(1000)
    await advance(6_000, 100)
    await Promise.all([...queued, urgent])
    expect(received.get(path)).toBe(6)
  })

  it('a wait is predicted over every window: 2/s and 3/min, the 4th call fails at once past maxWait', async () => {
    fakeClock()
    const path = fresh()
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 2, perMinute: 3, maxWait: 5_000 }))
      .use(stamp)
    const calls = Array.from({ length: 4 }, () =>
      api.get(path).then(
        () => 'ok',
        (e: unknown) => e,
      ),
    )
    const fourth = await Promise.race([calls[3], realWait(50).then(() => 'pending')])
    expect(fourth).toBeInstanceOf(RateLimitError)
    expect((fourth as RateLimitError).message).toMatch(/hold this call 60000 ms, longer than maxWait/)
    await advance(1_100, 100)
    expect(await Promise.all(calls.slice(0, 3))).toEqual(['ok', 'ok', 'ok'])
  })

  it('serves higher priority first', async () => {
    fakeClock()
    const path = fresh()
    const order: number[] = []
    const api = createClient({ baseUrl: server.url })
      .use(rateLimit({ perSecond: 1 }))
      .use(stamp)
    await api.get(path)
    const calls = [0, 5, 1].map((priority) => api.get(path, { priority }).then(() => order.push(priority)))
    await advance(4_000, 100)
    await Promise.all(calls)
    expect(order).toEqual([5, 1, 0])
  })

  it('refuses bad limits with a ConfigError', () => {
    expect(() => rateLimit({ perSecond: 0 })).toThrow(/perSecond/)
    expect(() => rateLimit({ perMinute: 1.5 })).toThrow(/perMinute/)
    expect(() => rateLimit({ groups: { search: { concurrency: -1 } } })).toThrow(/search/)
  })
})

describe('without configured windows', () => {
  it('does not slow down for a quota that is not spent', async () => {
    fakeClock()
    const path = fresh()
    answers.set(path, [
      {
        status: 200,
        headers: { 'x-ratelimit-remaining': '4990', 'x-ratelimit-reset': String(Date.now() / 1000 + 3600) },
      },
    ])
    const api = createClient({ baseUrl: server.url }).use(rateLimit()).use(stamp)
    await api.get(path)
    await Promise.all(Array.from({ length: 5 }, () => api.get(path)))
    expect(seen(path)).toHaveLength(6)
    expect((seen(path)[5] as number) - (seen(path)[0] as number)).toBeLessThan(100)
  })
})
