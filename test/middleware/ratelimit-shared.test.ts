import { randomBytes } from 'node:crypto'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LimitedEvent, rateLimit } from '../../middleware/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { sharedLimiter } from '../../redis/limiters.ts'
import { AbortError, ConfigError, createClient, RateLimitError } from '../../src/index.ts'
import { startScript } from '../support/child.ts'
import { describeWithRedis, redisCommand } from '../support/redis.ts'
import { startServer, type TestServer } from '../support/server.ts'
import { thrown } from '../support/thrown.ts'
import { busiestWindow } from '../support/windows.ts'

const worker = fileURLToPath(new URL('../support/ratelimit-worker.ts', import.meta.url))
/** Every limiter id of this run starts with it, so runs never share state and cleanup finds them. */
const run = `ply-test-${randomBytes(4).toString('hex')}`
let ids = 0
const uniqueId = (): string => `${run}-${++ids}`

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A TCP proxy in front of Redis whose connections the test can cut. */
async function startProxy(target: string): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target)
  const sockets = new Set<Socket>()
  const server: Server = createServer((inbound) => {
    const outbound = createConnection({ host: hostname, port: Number(port || 6379) })
    for (const s of [inbound, outbound]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    inbound.pipe(outbound).pipe(inbound)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port: proxyPort } = server.address() as { port: number }
  const cut = (): void => {
    for (const s of sockets) s.destroy()
  }
  return {
    url: `redis://127.0.0.1:${proxyPort}`,
    cut,
    close: () => {
      cut()
      return new Promise((resolve) => server.close(() => resolve()))
    },
  }
}

/** Starts the worker script; resolves its exit code and output; kills it after `limitMs`. */
function startWorker(args: string[], limitMs: number) {
  const { child, exited, onStdout } = startScript(worker, args, limitMs)
  const ready = new Promise<void>((resolve, reject) => {
    onStdout((stdout) => {
      if (stdout.includes('ready\n')) resolve()
    })
    void exited.then(({ stderr }) => reject(new Error(`worker exited before it was ready: ${stderr}`)))
  })
  ready.catch(() => {}) // only the callers that wait for "ready" care
  return { child, exited, ready }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
/** A worker still running after this long hangs: it is killed and its test fails. */
const HANG_MS = 60_000

/** The JSON lines a worker printed, in order. */
function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

/** How long a worker lingered between its last work (`doneAt`) and its exit (`exitedAt`). */
function lingered(stdout: string): number {
  const lines = jsonLines(stdout)
  return Number(lines.at(-1)?.exitedAt) - Number(lines[0]?.doneAt)
}

/**
 * Schedules a task that holds its slot until `release()`: `started` resolves once it runs,
 * `first` with `'first'` once released.
 */
function holdSlot(limiter: { schedule<T>(task: () => Promise<T>): Promise<T> }) {
  let release = (): void => {}
  let markStarted = (): void => {}
  const started = new Promise<void>((resolve) => (markStarted = resolve))
  const first = limiter.schedule(
    () =>
      new Promise<string>((resolve) => {
        release = () => resolve('first')
        markStarted()
      }),
  )
  return { first, release: () => release(), started }
}

describe('redisConnection and sharedLimiter: configuration', () => {
  const url = 'redis://127.0.0.1:6379'
  it.each([
    ['an empty id', { url, id: ' ' }, /id must be a non-empty string/],
    ['neither client nor url', { id: 'x' }, /client .* or a url/],
    ['both client and url', { id: 'x', url, client: {} as never }, /not both/],
    ['a client that is not ioredis', { id: 'x', client: {} as never }, /ioredis client/],
    ['a url that is not redis', { id: 'x', url: 'http://u:hunter2@h/' }, /redis:\/\//],
    ['a non-positive connectTimeout', { id: 'x', url, connectTimeout: 0 }, /connectTimeout/],
    ['a misspelled option', { url, idd: 'x' } as never, /unknown option 'idd' \(did you mean 'id'\?\)/],
  ])('redisConnection() rejects %s with ConfigError', (_name, options, message) => {
    expect(() => redisConnection(options)).toThrow(ConfigError)
    expect(() => redisConnection(options)).toThrow(message)
  })

  it.each([
    ['a zero limit', { perSecond: 0 }, /perSecond/],
    ['a negative limit', { perMinute: -5 }, /perMinute/],
    ['a NaN limit', { perHour: Number.NaN }, /perHour/],
    ['a fractional concurrency', { concurrency: 1.5 }, /concurrency/],
    ['no limit at all', {}, /at least one/],
  ])('sharedLimiter() rejects %s with ConfigError', (_name, limits, message) => {
    expect(() => sharedLimiter({ url, id: 'x' }, limits)).toThrow(ConfigError)
    expect(() => sharedLimiter({ url, id: 'x' }, limits)).toThrow(message)
  })

  it('never puts the password of a URL in a message', () => {
    try {
      redisConnection({ id: 'x', url: 'http://user:hunter2@example.com/' })
      expect.unreachable()
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('hunter2')
    }
  })

  it('rateLimit({ shared }) needs an id and a group with limits to share, and checks every group at once', async () => {
    expect(() => rateLimit({ perSecond: 1, shared: redisConnection(url) })).toThrow(
      /needs an id.*redisConnection\(\{ url, id: 'my-app' \}\)/,
    )
    const shared = redisConnection({ url, id: 'x' })
    expect(() => rateLimit({ shared })).toThrow(/no group has limits to share/)
    const limiter = rateLimit({ shared, groups: { search: { perMinute: 30 } } })
    await limiter.close()
  })

  it('refuses the redis option of earlier versions, and a shared option not made by redisConnection(), naming the factory to import', () => {
    for (const options of [
      { perSecond: 1, redis: { url, id: 'x' } },
      { perSecond: 1, shared: { url, id: 'x' } },
      { perSecond: 1, shared: url },
    ]) {
      const error = thrown(() => rateLimit(options as never))
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toContain("import { redisConnection } from 'ply-http/redis'")
    }
  })

  it('does not connect before the first call, and closes cleanly without one', async () => {
    const limiter = sharedLimiter({ id: 'x', url: `redis://127.0.0.1:${await closedPort()}` }, { perSecond: 1 })
    await limiter.close()
    await expect(limiter.schedule(async () => 1)).rejects.toThrow(RateLimitError)
  })
})

describe('sharedLimiter: Redis unreachable', () => {
  it('fails the call with RateLimitError within connectTimeout, never runs the task, and close() ends everything', async () => {
    const port = await closedPort()
    const limiter = sharedLimiter(
      { id: uniqueId(), url: `redis://user:hunter2@127.0.0.1:${port}`, connectTimeout: 800 },
      { perSecond: 100 },
    )
    let ran = false
    const started = performance.now()
    const error = await limiter.schedule(async () => (ran = true)).catch((e: unknown) => e)
    const waited = performance.now() - started
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as Error).message).toMatch(/could not reach Redis at redis:\/\/.*127\.0\.0\.1/)
    expect((error as Error).message).toMatch(/ECONNREFUSED/)
    expect((error as Error).message).not.toContain('hunter2')
    expect(JSON.stringify(error)).not.toContain('hunter2')
    expect(waited).toBeGreaterThanOrEqual(700)
    // Bounds that only catch a wait without end (a loaded machine can take a while).
    expect(waited).toBeLessThan(10_000)
    expect(ran).toBe(false)
    const closing = performance.now()
    await limiter.close()
    expect(performance.now() - closing).toBeLessThan(5_000)
    expect(ran).toBe(false)
  })

  it('a process whose Redis is down gets RateLimitError and exits by itself after close()', async () => {
    const { exited } = startWorker(['unreachable', `redis://127.0.0.1:${await closedPort()}`], HANG_MS)
    const { code, stdout, stderr } = await exited
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const { doneAt: _, ...summary } = jsonLines(stdout)[0] ?? {}
    expect(summary).toEqual({ outcome: 'RateLimitError', ran: false })
    // A reconnect timer would keep it alive until killed; ioredis's 2 s disconnect timer (which
    // ply shortens) would hold it that long after close().
    expect(lingered(stdout)).toBeLessThan(1_000)
  })
})

describeWithRedis('sharedLimiter with Redis', (redisUrl) => {
  let server: TestServer
  /** When each /hit request reached the server (performance.now() of this process). */
  const hits: number[] = []
  /** Which process sent each of them. */
  const senders: string[] = []
  /** When each request reached the server (performance.now()), by path. */
  const arrivals = new Map<string, number[]>()
  const arrived = (path: string): number[] => arrivals.get(path) ?? []

  beforeAll(async () => {
    server = await startServer((req, res) => {
      const path = new URL(req.url ?? '/', server.url).pathname
      arrivals.set(path, [...arrived(path), performance.now()])
      if (req.url?.startsWith('/hit')) {
        hits.push(performance.now())
        senders.push(new URL(req.url, server.url).searchParams.get('pid') ?? '')
      }
      if (path.startsWith('/limited')) {
        res.writeHead(429, { 'retry-after': '1' })
        res.end('slow down')
        return
      }
      res.end('ok')
    })
  })
  afterAll(async () => {
    await server.close()
    // Drop this run's keys now rather than waiting for their expiry.
    await redisCommand(
      redisUrl,
      `EVAL "for _,p in ipairs(ARGV) do for _,k in ipairs(redis.call('keys', p)) do redis.call('del', k) end end return 1" 0 ply:${run}-*`,
    ).catch(() => {})
  })

  it('two processes sharing an id at 20/s: ≤ 20 arrivals in any 1 s window at the server, both exit', async () => {
    const id = uniqueId()
    const workers = [0, 1].map(() => startWorker(['run', redisUrl, id, '20', '30', server.url], HANG_MS))
    await Promise.all(workers.map((w) => w.ready))
    hits.length = 0
    senders.length = 0
    for (const w of workers) w.child.stdin.end()
    const results = await Promise.all(workers.map((w) => w.exited))
    for (const { code, stdout, stderr } of results) {
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const { lagMs: _, ...summary } = jsonLines(stdout).find((line) => 'ok' in line) ?? {}
      expect(summary).toEqual({ ok: 30, errors: [] })
    }
    expect(hits).toHaveLength(60)
    expect(new Set(senders).size).toBe(2)
    // The server stamps an arrival after the request left and before its answer: the windows
    // count each call from its answer, so however late either event loop runs, the server sees
    // no second over the limit.
    expect(busiestWindow(hits, 1_000)).toBeLessThanOrEqual(20)
    // 60 starts at 20/s are 59 gaps of 50 ms (2,950 ms), plus a round trip per window.
    const busy = (hits.at(-1) as number) - (hits[0] as number)
    console.info(
      `two processes: 60 starts in ${busy.toFixed(0)} ms (${((60_000 / busy) * (59 / 60)).toFixed(1)}/s), busiest 1 s window ${busiestWindow(hits, 1_000)}`,
    )
  })

  it('spaces starts evenly within one process, and the caller gets the task result', async () => {
    const limiter = sharedLimiter({ url: redisUrl, id: uniqueId() }, { perSecond: 50 })
    try {
      const starts: number[] = []
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          limiter.schedule(async () => {
            starts.push(performance.now())
            return i
          }),
        ),
      )
      expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      // 9 gaps of 1000 / 50 = 20 ms; a late start can shorten the one gap after it.
      const span = (starts.at(-1) as number) - (starts[0] as number)
      expect(span).toBeGreaterThanOrEqual(160)
      // Catches a spacing gone wrong by an order of magnitude, not a slow machine.
      expect(span).toBeLessThan(2_000)
      await expect(
        limiter.schedule(async () => {
          throw new TypeError('boom')
        }),
      ).rejects.toThrow(TypeError)
    } finally {
      await limiter.close()
    }
  })

  it('starts the calls of one process by priority (0 first), then in the order they came', async () => {
    const limiter = sharedLimiter({ url: redisUrl, id: uniqueId() }, { perSecond: 20 })
    try {
      const order: string[] = []
      let started = (): void => {}
      const running = new Promise<void>((resolve) => (started = resolve))
      const calls = [
        limiter.schedule(async () => {
          order.push('first')
          started()
        }),
      ]
      // The first call has its turn; the others queue behind the spacing, in any order.
      await running
      for (const [name, priority] of [
        ['late', 9],
        ['urgent', 0],
        ['normal-1', 5],
        ['normal-2', 5],
      ] as const) {
        calls.push(limiter.schedule(async () => void order.push(name), { priority }))
      }
      await Promise.all(calls)
      expect(order).toEqual(['first', 'urgent', 'normal-1', 'normal-2', 'late'])
    } finally {
      await limiter.close()
    }
  })

  it('a spacing with a fraction of a millisecond works (a fractional key expiry once stalled the queue)', async () => {
    const limiter = sharedLimiter({ url: redisUrl, id: uniqueId() }, { perSecond: 30, concurrency: 2 })
    try {
      const started = performance.now()
      expect(await Promise.all([1, 2, 3, 4].map((i) => limiter.schedule(async () => i)))).toEqual([1, 2, 3, 4])
      // 3 gaps of 1000 / 30 = 33.3 ms
      expect(performance.now() - started).toBeGreaterThanOrEqual(100)
      // A stalled queue never ends: this bound only catches that.
      expect(performance.now() - started).toBeLessThan(10_000)
    } finally {
      await limiter.close()
    }
  })

  it('the limits of the process that started last apply, not those left in Redis', async () => {
    const id = uniqueId()
    const slow = sharedLimiter({ url: redisUrl, id }, { perSecond: 3 })
    await slow.schedule(async () => {})
    await slow.close()
    const fast = sharedLimiter({ url: redisUrl, id }, { perSecond: 50 })
    try {
      const starts: number[] = []
      await Promise.all([1, 2, 3].map(() => fast.schedule(async () => void starts.push(performance.now()))))
      // The first start honours the next start the slow limiter scheduled (333 ms after its
      // call); the next ones are spaced at 50/s (40 ms for two gaps), not at the 3/s left in
      // Redis (667 ms for two gaps, 333 for one: less than one slow gap tells them apart).
      expect((starts[2] as number) - (starts[0] as number)).toBeLessThan(345)
    } finally {
      await fast.close()
    }
  })

  it('an aborted call that waits for its start time rejects with AbortError and its task never runs', async () => {
    // One start a second: the queued call's slot is about a second after the first start, far
    // beyond the abort (50 ms after it) even on a loaded machine.
    const limiter = sharedLimiter({ url: redisUrl, id: uniqueId() }, { perSecond: 1 })
    try {
      await limiter.schedule(async () => {})
      const firstStart = performance.now()
      const controller = new AbortController()
      let ran = false
      const queued = limiter.schedule(async () => (ran = true), { signal: controller.signal })
      await delay(50)
      controller.abort(new Error('stop'))
      const error = await queued.catch((e: unknown) => e)
      // It rejected at the abort, not at its slot (1,000 ms after the first start).
      expect(performance.now() - firstStart).toBeLessThan(900)
      expect(error).toBeInstanceOf(AbortError)
      expect((error as AbortError).cause).toEqual(new Error('stop'))
      await delay(1_100) // past the slot the call had been given
      expect(ran).toBe(false)
      // An already aborted signal fails at once, without touching Redis.
      await expect(limiter.schedule(async () => (ran = true), { signal: AbortSignal.abort() })).rejects.toThrow(
        AbortError,
      )
      expect(ran).toBe(false)
    } finally {
      await limiter.close()
    }
  })

  it('an aborted call queued behind the concurrency limit rejects with AbortError and never runs', async () => {
    const limiter = sharedLimiter({ url: redisUrl, id: uniqueId() }, { concurrency: 1 })
    try {
      const { first, release, started } = holdSlot(limiter)
      // The slot is taken (a loaded machine can take longer than any fixed delay to connect).
      await started
      const controller = new AbortController()
      let ran = false
      const queued = limiter.schedule(async () => (ran = true), { signal: controller.signal })
      await delay(50)
      controller.abort()
      await expect(queued).rejects.toThrow(AbortError)
      release()
      expect(await first).toBe('first')
      expect(await limiter.schedule(async () => 'third')).toBe('third')
      expect(ran).toBe(false)
    } finally {
      await limiter.close()
    }
  })

  it('losing the connection fails the calls not yet started with RateLimitError; running ones finish', async () => {
    const proxy = await startProxy(redisUrl)
    const limiter = sharedLimiter({ url: proxy.url, id: uniqueId(), connectTimeout: 500 }, { concurrency: 1 })
    try {
      const { first, release, started: running } = holdSlot(limiter)
      await running
      let ran = false
      const queued = limiter.schedule(async () => (ran = true))
      await delay(100)
      await proxy.close()
      const error = await queued.catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RateLimitError)
      expect((error as Error).message).toMatch(/lost its connection to Redis/)
      release()
      expect(await first).toBe('first')
      // While Redis stays away, a new call fails within connectTimeout instead of running unlimited.
      await expect(limiter.schedule(async () => (ran = true))).rejects.toThrow(RateLimitError)
      expect(ran).toBe(false)
    } finally {
      const closing = performance.now()
      await limiter.close()
      // Only catches a close() that waits on the dead connection without end.
      expect(performance.now() - closing).toBeLessThan(5_000)
    }
  })

  it('uses a client the caller passes without closing it, and collects no listeners per call', async () => {
    const client = new Redis(redisUrl)
    try {
      const errorListeners = client.listenerCount('error')
      const limiter = sharedLimiter({ client, id: uniqueId() }, { perSecond: 1_000 })
      await limiter.schedule(async () => {})
      const during = client.listenerCount('error') + client.listenerCount('close') + client.listenerCount('ready')
      const controller = new AbortController()
      await Promise.all(
        Array.from({ length: 30 }, () => limiter.schedule(async () => {}, { signal: controller.signal })),
      )
      expect(client.listenerCount('error') + client.listenerCount('close') + client.listenerCount('ready')).toBe(during)
      await limiter.close()
      expect(client.status).toBe('ready')
      expect(await client.ping()).toBe('PONG')
      expect(client.listenerCount('error')).toBe(errorListeners)
    } finally {
      await client.quit()
    }
  })
  it("rateLimit({ shared }) reports the waits Redis imposed through the client's rateLimited event", async () => {
    const limiter = rateLimit({ perSecond: 10, shared: redisConnection({ url: redisUrl, id: uniqueId() }) })
    const client = createClient({ baseUrl: server.url }).use(limiter)
    const limited: LimitedEvent[] = []
    client.on('rateLimited', (e) => limited.push(e))
    try {
      await Promise.all(Array.from({ length: 4 }, () => client.get('/shared', { throwHttpErrors: false })))
      // Spaced 1000 / 10 ms apart: the 2nd, 3rd and 4th start waited about 100, 200, 300 ms
      // (the 1st waits only for Redis's round trips, reported only if a loaded machine makes them slow).
      expect(new Set(limited.map((e) => `${e.group}/${e.reason}`))).toEqual(new Set(['default/shared']))
      const held = limited.map((e) => e.waitMs).filter((ms) => ms >= 80)
      expect(held).toHaveLength(3)
      expect(Math.max(...held)).toBeGreaterThanOrEqual(250)
      expect(limited.every((e) => e.method === 'GET' && e.url.endsWith('/shared'))).toBe(true)
    } finally {
      await limiter.close()
    }
  })

  it('rateLimit({ shared }): maxQueue counts the calls waiting for the shared limits; over it, RateLimitError at once', async () => {
    const limiter = rateLimit({
      perMinute: 60,
      maxQueue: 1,
      shared: redisConnection({ url: redisUrl, id: uniqueId() }),
    })
    const client = createClient({ baseUrl: server.url }).use(limiter)
    try {
      const began = performance.now()
      /** When each call settled (ms after `began`), and its error if it failed. */
      const calls = Array.from({ length: 5 }, () =>
        client.get('/queue').then(
          () => ({ at: performance.now() - began, error: undefined }),
          (error: unknown) => ({ at: performance.now() - began, error }),
        ),
      )
      // The 1st starts, the 2nd waits its turn (a second later), the 3rd to 5th find the queue full.
      const [first, second, ...refused] = await Promise.all(calls)
      expect(first?.error).toBeUndefined()
      expect(second?.error).toBeUndefined()
      for (const { at, error } of refused) {
        expect(error).toBeInstanceOf(RateLimitError)
        expect((error as Error).message).toMatch(/queue is full \(maxQueue 1\)/)
        // At once: before the call that waited its turn.
        expect(at).toBeLessThan(second?.at as number)
      }
      expect(first?.at).toBeLessThan(second?.at as number)
      expect(second?.at).toBeGreaterThanOrEqual(950)
      expect(arrived('/queue')).toHaveLength(2)
    } finally {
      await limiter.close()
    }
  })

  it('rateLimit({ shared }): a shared wait that would cross the deadline fails at once, saying how long it would be', async () => {
    // 30 a minute: 60000 / 30 = 2,000 ms apart. With a 3 s deadline the 2nd call's wait fits
    // with a second to spare; the 3rd and 4th, two turns ahead and more, do not.
    const limiter = rateLimit({ perMinute: 30, shared: redisConnection({ url: redisUrl, id: uniqueId() }) })
    const client = createClient({ baseUrl: server.url }).use(limiter)
    try {
      const made = Date.now()
      /** When each call settled (`Date.now()`), and its error if it failed. */
      const calls = Array.from({ length: 4 }, () =>
        client.get('/deadline', { deadline: 3_000 }).then(
          () => ({ at: Date.now(), error: undefined }),
          (error: unknown) => ({ at: Date.now(), error }),
        ),
      )
      const [first, second, ...late] = await Promise.all(calls)
      expect(first?.error).toBeUndefined()
      expect(second?.error).toBeUndefined()
      for (const { at, error } of late) {
        expect(error).toBeInstanceOf(RateLimitError)
        // Two calls ahead at least.
        expect((error as Error).message).toMatch(
          /shared rate limit would hold this call at least 400\d ms, past its deadline/,
        )
        expect((error as RateLimitError).resetAt?.getTime()).toBeGreaterThanOrEqual(made + 4_000)
        // At once: before the call that waited its turn.
        expect(at).toBeLessThan(second?.at as number)
      }
    } finally {
      await limiter.close()
    }
  })

  it('rateLimit({ shared }): a call still waiting for the shared limits when maxWait comes is removed, never sent', async () => {
    const id = uniqueId()
    const other = rateLimit({ perSecond: 1, shared: redisConnection({ url: redisUrl, id }) })
    const limiter = rateLimit({ perSecond: 1, maxWait: 600, shared: redisConnection({ url: redisUrl, id }) })
    const busy = createClient({ baseUrl: server.url }).use(other)
    const client = createClient({ baseUrl: server.url }).use(limiter)
    try {
      // Another process takes the next three turns; this one cannot know how long that is.
      const others = Array.from({ length: 3 }, () => busy.get('/busy'))
      // Its first turn has come (so its Redis connection is up and the others are queued).
      while (arrived('/busy').length === 0) await delay(5)
      const began = performance.now()
      const error = await client.get('/late').catch((e: unknown) => e)
      const waited = performance.now() - began
      expect(error).toBeInstanceOf(RateLimitError)
      expect((error as Error).message).toMatch(/reached maxWait \(600 ms\) while waiting for the shared rate limit/)
      expect(waited).toBeGreaterThanOrEqual(590)
      // Only catches a wait without end: a call that got its turn instead would not have failed.
      expect(waited).toBeLessThan(5_000)
      await Promise.all(others)
      await delay(1_100)
      expect(arrived('/late')).toHaveLength(0)
    } finally {
      await Promise.all([other.close(), limiter.close()])
    }
  })

  it('rateLimit({ shared }): every group is shared, a named one under `<id>:<group>`', async () => {
    const id = uniqueId()
    const make = () =>
      rateLimit({
        perSecond: 50,
        groups: { search: { perSecond: 2 } },
        group: (ctx) => (ctx.request.peekUrl().pathname.startsWith('/search') ? 'search' : undefined),
        shared: redisConnection({ url: redisUrl, id }),
      })
    const limiters = [make(), make()]
    const clients = limiters.map((limiter) => createClient({ baseUrl: server.url }).use(limiter))
    try {
      await Promise.all(clients.flatMap((c) => [c.get('/search/x'), c.get('/search/x')]))
      const times = arrived('/search/x')
      expect(times).toHaveLength(4)
      expect(busiestWindow(times, 1_000)).toBeLessThanOrEqual(2)
      // Three gaps of 1000 / 2 = 500 ms across the two limiters.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1_400)
      // The group's schedule is kept under its own id.
      expect(await redisCommand(redisUrl, `EXISTS ply:${id}:search:next`)).toBe(':1\r\n')
    } finally {
      await Promise.all(limiters.map((limiter) => limiter.close()))
    }
  })

  it("rateLimit({ shared }): a pause the server asks for holds the other processes too, under the quota owner's id", async () => {
    const id = uniqueId()
    const make = () =>
      rateLimit({
        perSecond: 20,
        groups: { mutation: { perSecond: 5, sharesQuotaWith: 'default' } },
        group: (ctx) => (ctx.request.method === 'POST' ? 'mutation' : undefined),
        shared: redisConnection({ url: redisUrl, id }),
      })
    const [first, second] = [make(), make()]
    const a = createClient({ baseUrl: server.url, throwHttpErrors: false }).use(first)
    const b = createClient({ baseUrl: server.url, throwHttpErrors: false }).use(second)
    try {
      await b.get('/warm')
      const began = performance.now()
      // A mutation in one process meets a 429 with Retry-After: 1 …
      expect((await a.post('/limited/x')).status).toBe(429)
      // The pause is written to Redis without holding the answer: wait (briefly) for it to land.
      const pttl = async () => Number((await redisCommand(redisUrl, `PTTL ply:${id}:paused`)).slice(1))
      let left = await pttl()
      for (let i = 0; i < 50 && left <= 0; i++) left = await delay(10).then(pttl)
      expect(left).toBeGreaterThan(500)
      // … and a read in the other process waits for it.
      const [one, two] = await Promise.all([b.get('/held'), b.get('/held')])
      expect([one.status, two.status]).toEqual([200, 200])
      for (const at of arrived('/held')) expect(at - began).toBeGreaterThanOrEqual(950)
    } finally {
      await Promise.all([first.close(), second.close()])
    }
  })

  it('rateLimit({ shared }): one pair of connections serves every group, and close() closes it', async () => {
    const id = uniqueId()
    const connections = async (): Promise<number> =>
      (await redisCommand(redisUrl, 'CLIENT LIST'))
        .split('\n')
        .filter((line) => line.includes(` name=ply-ratelimit:${id} `)).length
    const limiter = rateLimit({
      perSecond: 50,
      groups: { search: { perSecond: 10 }, mutation: { concurrency: 1 } },
      group: (ctx) =>
        ctx.request.method === 'POST'
          ? 'mutation'
          : ctx.request.peekUrl().pathname.startsWith('/search')
            ? 'search'
            : undefined,
      shared: redisConnection({ url: redisUrl, id }),
    })
    const client = createClient({ baseUrl: server.url }).use(limiter)
    await Promise.all([client.get('/a'), client.get('/search/a'), client.post('/m')])
    expect(await connections()).toBe(2)
    await limiter.close()
    // Redis drops a client once it has read the QUIT or seen the socket close: poll for it, up
    // to a bound that only catches a connection left open.
    let left = await connections()
    for (const began = performance.now(); left > 0 && performance.now() - began < 5_000; ) {
      left = await delay(20).then(connections)
    }
    expect(left).toBe(0)
  })

  it('a process that made calls through rateLimit({ shared }) and never called close() exits on its own', async () => {
    const { exited } = startWorker(['idle', redisUrl, uniqueId(), server.url], HANG_MS)
    const { code, stdout, stderr } = await exited
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const { doneAt: _, ...summary } = jsonLines(stdout)[0] ?? {}
    expect(summary).toEqual({ statuses: [200, 200, 200, 200] })
    // An open socket would keep it alive until killed; a timer left running, as long as it runs.
    expect(lingered(stdout)).toBeLessThan(1_000)
  })
})
