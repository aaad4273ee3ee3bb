import { createHash } from 'node:crypto'
import type Bottleneck from 'bottleneck'
import type { RedisOptions as IORedisClientOptions, Redis } from 'ioredis'
import { AbortError, ConfigError, RateLimitError, redactText, redactUrl } from '../../src/index.ts'

/** Where the shared limiter keeps its state: a Redis reached through ioredis. */
export interface RedisOptions {
  /** An ioredis client to use (ply does not close it), or a redis:// URL (ply connects and closes). */
  client?: Redis
  /** A `redis://` or `rediss://` URL; ply opens its own connections and closes them in `close()`. */
  url?: string
  /** The shared limiter's name: processes with the same id share the limits. */
  id: string
  /**
   * How long a call waits for Redis to become reachable (at start, or after the connection
   * was lost) before it fails with `RateLimitError`, in milliseconds. Default 3000. With a
   * `url` it is also ply's connect and command timeout.
   */
  connectTimeout?: number
}

/** The limits every process with the same `id` keeps together. */
export interface SharedLimits {
  perSecond?: number
  perMinute?: number
  perHour?: number
  /** How many tasks may run at the same time across all processes. */
  concurrency?: number
}

/** A limiter whose limits hold across every process that shares its `id`. */
export interface SharedLimiter {
  /** Runs `task` when the cluster-wide limits allow; rejects with AbortError if `signal` aborts while queued (the task then never runs), or with RateLimitError if Redis is unreachable (never runs the task unlimited). */
  schedule<T>(task: () => Promise<T>, options?: { signal?: AbortSignal; priority?: number }): Promise<T>
  /** Stops the limiter and closes the Redis connection ply opened; afterwards the process can exit. */
  close(): Promise<void>
}

/** Default bound on waiting for Redis, in ms. */
const DEFAULT_CONNECT_TIMEOUT = 3_000
/**
 * The cluster keys outlive the last process by this long (plus the spacing), then Redis drops
 * them. ply sets the expiry itself, every `KEY_REFRESH` ms while a limiter is alive: bottleneck's
 * own (`timeout`) sets a TTL computed from its next start time, which Redis rejects as "not an
 * integer" as soon as the spacing has a fraction of a millisecond (1035 / 3, 1035 / 100), and
 * every job then stays queued forever.
 */
const KEY_TTL = 15 * 60_000
const KEY_REFRESH = 60_000
/** bottleneck 2.19.5's keys for a limiter id (its `Scripts.allKeys`). */
const KEY_SUFFIXES = [
  'settings',
  'job_weights',
  'job_expirations',
  'job_clients',
  'client_running',
  'client_num_queued',
  'client_last_registered',
  'client_last_seen',
]
/**
 * With `concurrency`, a job that a crashed process left running frees its slot after this
 * long (bottleneck's `expiration`); without it, the slot would be lost for as long as any
 * process keeps the keys alive. A live task running longer than this stops being counted.
 */
const JOB_EXPIRATION = 10 * 60_000
/**
 * Starts are never exactly on bottleneck's grid: the local timer starts when Redis's reply
 * arrives, timers fire late when the process is busy, bottleneck's Lua returns the wait
 * truncated to whole ms, and the request still has to reach the server. With spacing of
 * exactly `window / limit`, one start 2 ms late followed by one on time puts `limit + 1` starts
 * in a window (measured: 21 in a second at 20/s, on loopback, on every run). Measured on these
 * machines (two worker processes and vitest on two cores): timers up to 26 ms late, and up to
 * 13 ms from a task's start to its request reaching the server.
 *
 * Two safeguards, in absolute milliseconds (jitter does not scale with the window):
 * - the spacing is `(window + SPACING_ALLOWANCE_MS) / limit`;
 * - a start guard, checked and recorded in Redis at the moment a task starts (a sliding-window
 *   log per window): no `limit + 1` starts within `window + GUARD_ALLOWANCE_MS` by Redis's
 *   clock, whatever the timers did. A late start therefore delays the start `limit` places
 *   after it instead of crowding its window, and the margin covers the way to the server.
 *   The spacing's allowance is larger, so the guard only makes a call wait after a late start.
 *
 * The cost: 3.4% of a per-second rate (51.75 ms instead of 50 ms apart at 20/s), 0.06% of a
 * per-minute one.
 */
const SPACING_ALLOWANCE_MS = 35
const GUARD_ALLOWANCE_MS = 25
/**
 * KEYS: one sorted set per window; ARGV: the member, then the window (ms) and limit of each
 * key. Returns the ms to wait before asking again, or `{0, now}` when the start is recorded.
 */
const GUARD_LUA = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 1, #KEYS do
  local window = tonumber(ARGV[2 * i])
  local limit = tonumber(ARGV[2 * i + 1])
  redis.call('zremrangebyscore', KEYS[i], '-inf', now - window)
  local count = redis.call('zcard', KEYS[i])
  if count >= limit then
    local oldest = redis.call('zrange', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, #KEYS do
  redis.call('zadd', KEYS[i], now, ARGV[1])
  redis.call('pexpire', KEYS[i], ARGV[2 * i])
end
return {0, now}
`
const GUARD_SHA = createHash('sha1').update(GUARD_LUA).digest('hex')
/**
 * The guard records a start at Redis's time, but the process may stall between that and the
 * task's start (measured: 50 ms and more with a busy CPU). When more than this passed between
 * asking and starting, the record is moved to the latest time the start can have had.
 */
const LATE_START_MS = 5
/** How long `close()` waits for tasks already running and for Redis to acknowledge QUIT. */
const CLOSE_TIMEOUT = 2_000
/** How long ioredis may wait for a socket to close after `disconnect()` before destroying it. */
const DISCONNECT_TIMEOUT = 100

type JobState = 'waiting' | 'submitted' | 'started' | 'settled'

interface Entry {
  state: JobState
  /** bottleneck's job id, once submitted. */
  jobId?: string
  /** Bounds the wait for a reachable Redis while `waiting`; the start guard's pause after. */
  timer?: ReturnType<typeof setTimeout>
  /** Ends the start guard's pause early (abort, close). */
  wake?: () => void
  submit(session: Session): void
  fail(error: Error): void
}

interface Session {
  limiter: Bottleneck
  connection: Bottleneck.IORedisConnection
  client: Redis
  subscriber: Redis
  /** Whether ply created `client` (and so closes it). */
  owned: boolean
  /** Whether bottleneck's `ready()` has resolved and this process's limits are in Redis. */
  ready: boolean
  /** Keeps the cluster keys' expiry ahead while this limiter lives (unref'd). */
  expiry?: ReturnType<typeof setInterval>
  /** Sets the expiry of the cluster keys (also of those created since the last refresh). */
  refreshExpiry(): Promise<unknown>
  /** Removes what ply and bottleneck attached to a client the user passed. */
  detach(): void
}

/**
 * A rate limiter shared by every process with the same `redis.id`, built on bottleneck's Redis
 * clustering (`datastore: 'ioredis'`).
 *
 * The shared mode spaces requests evenly rather than allowing bursts: consecutive starts
 * across the whole cluster are `max(1000 / perSecond, 60000 / perMinute, 3600000 / perHour)`
 * ms apart, each window lengthened by 35 ms, and every start is also checked against a
 * sliding window in Redis (with 25 ms of margin) when it happens. So no window ever holds more
 * than its limit, even when a timer runs late, and the combined rate is the configured one
 * less 3.4% at per-second limits (0.06% at per-minute ones). A burst that the local limiter
 * would let through at once is spread out here. `concurrency` bounds the tasks running at once
 * cluster-wide. Processes sharing an `id` should configure the same limits: the limits of the
 * one that started last apply to all.
 *
 * Redis is never optional once configured: when it cannot be reached (at start, or after the
 * connection drops) a call fails with `RateLimitError` within `redis.connectTimeout` instead
 * of running unlimited; a call whose task has started is not affected. An aborted call that
 * was already queued leaves its reserved slot unused (the limits can only be undershot).
 *
 * ioredis and bottleneck are loaded on the first `schedule()`; nothing connects before.
 * Call `close()` when done: the Redis connections keep the process alive until then.
 *
 * @throws ConfigError on a missing `id`, neither or both of `client` and `url`, a limit that
 *   is not a positive number, or no limit at all.
 */
export function sharedLimiter(redis: RedisOptions, limits: SharedLimits): SharedLimiter {
  const settings = validate(redis, limits)
  const where = describeRedis(redis)

  let closed = false
  let closing: Promise<void> | undefined
  let starting: Promise<void> | undefined
  let session: Session | undefined
  /** Whether the connections are up and bottleneck is ready: jobs may be submitted. */
  let usable = false
  let lastError: Error | undefined
  let jobCounter = 0
  /** Calls that have not started their task yet. */
  const pending = new Set<Entry>()

  const guardKeys = settings.windows.map((w) => `ply:${settings.id}:starts:${w.ms}`)
  const clientTag = Math.random().toString(36).slice(2)
  const guardArgs = (member: string): (string | number)[] => [
    member,
    ...settings.windows.flatMap((w) => [w.ms, w.limit]),
  ]
  const notSent = (what: string): RateLimitError =>
    new RateLimitError(
      `the shared rate limiter could not ${what} Redis at ${where}` +
        ` (${lastError?.message ?? 'unknown error'}); the call was not sent`,
      { cause: lastError },
    )

  const unreachable = (): RateLimitError =>
    new RateLimitError(
      `the shared rate limiter could not reach Redis at ${where} within ${settings.connectTimeout} ms` +
        (lastError ? ` (${lastError.message})` : '') +
        '; the call was not sent',
      { cause: lastError },
    )

  const onError = (error: unknown): void => {
    lastError = sanitize(error)
  }

  const onUp = (): void => {
    const s = session
    if (closed || s === undefined || !s.ready || s.client.status !== 'ready' || s.subscriber.status !== 'ready') return
    usable = true
    for (const entry of [...pending]) if (entry.state === 'waiting') entry.submit(s)
  }

  const onLoss = (): void => {
    if (closed || !usable) return
    usable = false
    const s = session
    // Calls bottleneck already gave a start time keep their turn (they still need Redis for the
    // start guard); the others cannot get one now, so they fail rather than wait for a pub/sub
    // message that was lost with the connection.
    for (const entry of [...pending]) {
      if (entry.state !== 'submitted' || s === undefined || entry.jobId === undefined) continue
      const status = s.limiter.jobStatus(entry.jobId)
      if (status === 'RUNNING' || status === 'EXECUTING') continue
      entry.fail(
        new RateLimitError(`the shared rate limiter lost its connection to Redis at ${where}; the call was not sent`, {
          cause: lastError,
        }),
      )
    }
  }

  const start = async (): Promise<void> => {
    const [{ default: BottleneckClass }, { Redis: RedisClass }] = await Promise.all([
      import('bottleneck'),
      import('ioredis'),
    ])
    if (closed) return
    const owned = redis.client === undefined
    const client = redis.client ?? new RedisClass(redis.url as string, ownClientOptions(settings.connectTimeout))
    // bottleneck waits for 'ready' before its first command, which a lazyConnect client never reaches alone.
    if (!owned && client.status === 'wait') client.connect().catch(onError)
    const errorListeners = new Set(client.listeners('error'))
    const maxListeners = client.getMaxListeners()
    const connection = new BottleneckClass.IORedisConnection({ client, Redis: RedisClass })
    const added = client.listeners('error').filter((listener) => !errorListeners.has(listener))
    const subscriber = (connection as unknown as { subscriber: Redis }).subscriber
    const limiter = new BottleneckClass({
      id: `ply:${settings.id}`,
      datastore: 'ioredis',
      connection,
      clearDatastore: false,
      // No `timeout`: see KEY_TTL; ply expires the keys.
      minTime: settings.minTime,
      maxConcurrent: settings.concurrency ?? null,
      rejectOnDrop: true,
    })
    // One listener each for the whole limiter's life, never one per job.
    connection.on('error', onError)
    limiter.on('error', onError)
    for (const redisClient of [client, subscriber]) {
      redisClient.on('close', onLoss)
      redisClient.on('ready', onUp)
    }
    const current: Session = {
      limiter,
      connection,
      client,
      subscriber,
      owned,
      ready: false,
      refreshExpiry: () => Promise.resolve(),
      detach: () => {
        client.off('close', onLoss)
        client.off('ready', onUp)
        if (owned) return
        for (const listener of added) client.off('error', listener as (...args: unknown[]) => void)
        client.setMaxListeners(maxListeners)
      },
    }
    session = current
    const keys = KEY_SUFFIXES.map((suffix) => `b_ply:${settings.id}_${suffix}`)
    const ttl = Math.ceil(settings.minTime) + KEY_TTL
    current.refreshExpiry = () =>
      client
        .pipeline(keys.map((key) => ['pexpire', key, ttl]))
        .exec()
        .catch(onError)
    const refreshExpiry = (): void => void current.refreshExpiry()
    const whenReady = async (): Promise<void> => {
      await limiter.ready()
      // bottleneck keeps the settings it finds in Redis: without this, limits changed in the
      // configuration would wait for the keys to expire. The last process to start wins.
      await limiter.updateSettings({ minTime: settings.minTime, maxConcurrent: settings.concurrency ?? null })
    }
    whenReady().then(
      () => {
        // A close() that ran while bottleneck was starting missed the heartbeat it just created.
        if (closed) {
          clearInterval(internals(limiter).heartbeat)
          return
        }
        current.ready = true
        refreshExpiry()
        current.expiry = setInterval(refreshExpiry, KEY_REFRESH)
        current.expiry.unref()
        onUp()
      },
      (error: unknown) => {
        // bottleneck's start failed for good (its ready promise stays rejected): start afresh on the next call.
        onError(error)
        if (closed || session !== current) return
        session = undefined
        starting = undefined
        usable = false
        for (const entry of [...pending]) if (entry.state === 'waiting') entry.fail(unreachable())
        void dispose(current)
      },
    )
  }

  const ensureStarted = (): void => {
    starting ??= start().catch((error: unknown) => {
      onError(error)
      starting = undefined
      for (const entry of [...pending]) if (entry.state === 'waiting') entry.fail(unreachable())
    })
  }

  return {
    schedule<T>(task: () => Promise<T>, options: { signal?: AbortSignal; priority?: number } = {}): Promise<T> {
      const { signal, priority = 5 } = options
      if (closed) return Promise.reject(new RateLimitError('the shared rate limiter is closed; the call was not sent'))
      if (signal?.aborted) return Promise.reject(abortError(signal))
      if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
        return Promise.reject(
          new ConfigError(`priority must be an integer from 0 (first) to 9 (last), got ${priority}`),
        )
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          if (signal) entry.fail(abortError(signal))
        }
        const leave = (): void => {
          pending.delete(entry)
          signal?.removeEventListener('abort', onAbort)
          if (entry.timer !== undefined) clearTimeout(entry.timer)
          entry.wake?.()
        }
        const entry: Entry = {
          state: 'waiting',
          fail(error) {
            if (entry.state === 'started' || entry.state === 'settled') return
            entry.state = 'settled'
            leave()
            reject(error)
          },
          submit(s) {
            if (entry.state !== 'waiting') return
            entry.state = 'submitted'
            if (entry.timer !== undefined) clearTimeout(entry.timer)
            jobCounter += 1
            entry.jobId = `ply-${jobCounter}`
            const job: Bottleneck.JobOptions = { id: entry.jobId, priority }
            if (settings.concurrency !== undefined) Object.assign(job, { expiration: JOB_EXPIRATION })
            s.limiter
              .schedule(job, async () => {
                // A call that was aborted (or failed) while queued leaves its slot unused.
                if (entry.state !== 'submitted') return
                const member = `${clientTag}:${entry.jobId}`
                let asked = 0
                let recordedAt: number | undefined
                try {
                  for (;;) {
                    asked = performance.now()
                    const [wait, at] = await guard(s.client, guardKeys, guardArgs(member))
                    recordedAt = at
                    if (entry.state !== 'submitted' || wait <= 0) break
                    await new Promise<void>((wake) => {
                      entry.wake = wake
                      entry.timer = setTimeout(wake, wait)
                    })
                    if (entry.state !== 'submitted') break
                  }
                } catch (error) {
                  onError(error)
                  entry.fail(notSent('check the start against the limits in'))
                  return
                }
                if (entry.state !== 'submitted') return
                entry.state = 'started'
                leave()
                const late = performance.now() - asked
                if (recordedAt !== undefined && late > LATE_START_MS) {
                  moveStart(s.client, guardKeys, member, recordedAt + Math.ceil(late)).catch(onError)
                }
                // The caller's promise settles with the task, not after bottleneck's Redis bookkeeping.
                try {
                  resolve(await task())
                } catch (error) {
                  reject(error)
                }
              })
              .catch((error: unknown) => {
                onError(error)
                entry.fail(notSent('schedule the call through'))
              })
          },
        }
        pending.add(entry)
        signal?.addEventListener('abort', onAbort, { once: true })
        if (usable && session !== undefined) {
          entry.submit(session)
          return
        }
        entry.timer = setTimeout(() => entry.fail(unreachable()), settings.connectTimeout)
        ensureStarted()
      })
    },

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true
        usable = false
        for (const entry of [...pending]) {
          entry.fail(new RateLimitError('the shared rate limiter was closed before the call could start'))
        }
        await starting
        const current = session
        session = undefined
        if (current !== undefined) await dispose(current)
      })()
      return closing
    },
  }
}

/** Runs the start guard; resolves to the ms to wait before asking again, or 0 when the start is recorded. */
async function guard(client: Redis, keys: string[], args: (string | number)[]): Promise<[number, number?]> {
  if (keys.length === 0) return [0]
  let reply: unknown
  try {
    reply = await client.evalsha(GUARD_SHA, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    reply = await client.eval(GUARD_LUA, keys.length, ...keys, ...args)
  }
  return Array.isArray(reply) ? [0, Number(reply[1])] : [Math.max(1, Number(reply))]
}

/** Moves a recorded start later (see LATE_START_MS); other processes then count it from there. */
function moveStart(client: Redis, keys: string[], member: string, at: number): Promise<unknown> {
  return client
    .pipeline(keys.map((key) => ['zadd', key, 'XX', at, member]))
    .exec()
    .then((results) => {
      const failed = results?.find(([error]) => error)
      if (failed) throw failed[0]
    })
}

/** Stops a session's limiter and closes the connections ply opened; bounded in time. */
async function dispose(s: Session): Promise<void> {
  s.detach()
  clearInterval(s.expiry)
  const store = internals(s.limiter)
  // The subscriber is about to close: unsubscribing first would only fail on a dead connection.
  ;(s.connection as unknown as { terminated: boolean }).terminated = true
  // Drops queued and waiting jobs at once; waits (bounded) for tasks already running.
  await withTimeout(s.limiter.stop({ dropWaitingJobs: true }), CLOSE_TIMEOUT)
  await s.limiter.disconnect(false)
  if (s.ready && s.client.status === 'ready') await withTimeout(s.refreshExpiry(), CLOSE_TIMEOUT)
  clearInterval(store.heartbeat)
  for (const timer of Object.values(store.capacityPriorityCounters ?? {})) clearTimeout(timer)
  const mine = s.owned ? [s.client, s.subscriber] : [s.subscriber]
  await withTimeout(Promise.allSettled(mine.map((c) => (c.status === 'ready' ? c.quit() : undefined))), CLOSE_TIMEOUT)
  // No reconnection timer and no socket may outlive close().
  for (const c of mine) {
    shortenDisconnectTimeout(c)
    c.disconnect()
  }
}

/**
 * ioredis 5's `disconnect()` arms a `disconnectTimeout` timer (2 s by default) that only the
 * socket's 'close' event clears; on a socket that closed earlier (Redis down) the timer runs
 * out in full and keeps the process alive for it. ply's own connections get a short one.
 */
function shortenDisconnectTimeout(c: Redis): void {
  const connector = (c as unknown as { connector?: { disconnectTimeout?: unknown } }).connector
  if (connector && typeof connector.disconnectTimeout === 'number') {
    connector.disconnectTimeout = Math.min(connector.disconnectTimeout, DISCONNECT_TIMEOUT)
  }
}

/** The few bottleneck internals that `close()` must clean up (bottleneck 2.19.5 leaves them). */
function internals(limiter: Bottleneck): {
  heartbeat?: ReturnType<typeof setInterval>
  capacityPriorityCounters?: Record<string, ReturnType<typeof setTimeout>>
} {
  return (limiter as unknown as { _store: ReturnType<typeof internals> })._store
}

function ownClientOptions(timeout: number): IORedisClientOptions {
  return {
    connectTimeout: timeout,
    commandTimeout: timeout,
    disconnectTimeout: DISCONNECT_TIMEOUT,
    // Fail a command at once when the connection is down: ply then reports RateLimitError
    // instead of queueing the limiter's bookkeeping behind a reconnection.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting (a later call may succeed) until close() stops it.
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
  }
}

interface Settings {
  id: string
  minTime: number
  /** Each configured window and its limit, for the start guard. */
  windows: { ms: number; limit: number }[]
  concurrency: number | undefined
  connectTimeout: number
}

function validate(redis: RedisOptions, limits: SharedLimits): Settings {
  if (redis === null || typeof redis !== 'object') throw new ConfigError('redis must be an object with an id')
  if (typeof redis.id !== 'string' || redis.id.trim() === '') {
    throw new ConfigError('redis.id must be a non-empty string naming the limits that processes share')
  }
  if (redis.client !== undefined && redis.url !== undefined) {
    throw new ConfigError('redis takes a client or a url, not both')
  }
  if (redis.client === undefined && redis.url === undefined) {
    throw new ConfigError('redis needs a client (an ioredis instance) or a url (redis://…)')
  }
  if (redis.client !== undefined && typeof (redis.client as { duplicate?: unknown }).duplicate !== 'function') {
    throw new ConfigError('redis.client must be an ioredis client')
  }
  if (redis.url !== undefined) {
    let protocol: string
    try {
      protocol = new URL(redis.url).protocol
    } catch {
      throw new ConfigError(`redis.url is not a URL: ${redactUrl(redis.url)}`)
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new ConfigError(`redis.url must start with redis:// or rediss://, got ${redactUrl(redis.url)}`)
    }
  }
  const connectTimeout = redis.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
  if (!(Number.isFinite(connectTimeout) && connectTimeout > 0)) {
    throw new ConfigError(`redis.connectTimeout must be a positive number of milliseconds, got ${connectTimeout}`)
  }
  if (limits === null || typeof limits !== 'object') throw new ConfigError('limits must be an object')
  const windows = [
    ['perSecond', 1_000],
    ['perMinute', 60_000],
    ['perHour', 3_600_000],
  ] as const
  let minTime = 0
  const guarded: Settings['windows'] = []
  for (const [name, windowMs] of windows) {
    const value = limits[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(`${name} must be a positive number, got ${String(value)}`)
    }
    minTime = Math.max(minTime, (windowMs + SPACING_ALLOWANCE_MS) / value)
    // A fractional limit (2.5/s) is an average: the spacing keeps it, the guard allows ceil(limit).
    guarded.push({ ms: windowMs + GUARD_ALLOWANCE_MS, limit: Math.ceil(value) })
  }
  const { concurrency } = limits
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new ConfigError(`concurrency must be a positive integer, got ${String(concurrency)}`)
  }
  if (minTime === 0 && concurrency === undefined) {
    throw new ConfigError('a shared rate limiter needs at least one of perSecond, perMinute, perHour or concurrency')
  }
  return { id: redis.id, minTime, windows: guarded, concurrency, connectTimeout }
}

/** Names the Redis in messages without its password. */
function describeRedis(redis: RedisOptions): string {
  if (redis.url !== undefined) return redactUrl(redis.url)
  const options = (redis.client as { options?: { host?: string; port?: number; path?: string } } | undefined)?.options
  if (options?.path) return options.path
  return `${options?.host ?? 'localhost'}:${options?.port ?? 6379} (the given client)`
}

/**
 * A copy of a Redis error that keeps its message and code but nothing else: ioredis attaches
 * the failed command with its arguments, which for AUTH include the password.
 */
function sanitize(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  const copy = new Error(redactText(message))
  if (error instanceof Error) copy.name = error.name
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') Object.assign(copy, { code })
  return copy
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('the request was aborted while waiting for the shared rate limit', { cause: signal.reason })
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    promise.then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      () => {
        clearTimeout(timer)
        resolve()
      },
    )
  })
}
