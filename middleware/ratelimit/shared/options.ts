import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import { ConfigError, redactUrl } from '../../../src/index.ts'

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

/** Where a call stands in a shared limiter's queue in this process. */
export interface SharedEstimate {
  /**
   * At least how long a new call would wait, in ms: the shared spacing for each call of this
   * process queued ahead of it, plus what is left of the spacing since this process's last
   * start. Other processes' calls can only add to it. 0 without a per-window limit.
   */
  readonly waitMs: number
  /** Calls of this process queued here that are expected to wait (not about to start). */
  readonly waiting: number
}

/** A limiter whose limits hold across every process that shares its `id`. */
export interface SharedLimiter {
  /**
   * Runs `task` when the cluster-wide limits allow; rejects with AbortError if `signal` aborts
   * while queued (the task then never runs), or with RateLimitError if Redis is unreachable
   * (never runs the task unlimited). `task` is told how long the limits held it, in ms, from
   * the moment Redis was reachable (connecting is not counted). `priority` is bottleneck's:
   * 0 first, 9 last, default 5.
   */
  schedule<T>(task: (heldMs: number) => Promise<T>, options?: { signal?: AbortSignal; priority?: number }): Promise<T>
  /** Where a new call of `priority` (bottleneck's scale) would stand; see `SharedEstimate`. */
  estimate(priority?: number): SharedEstimate
  /** Stops the limiter and closes the Redis connection ply opened; afterwards the process can exit. */
  close(): Promise<void>
}

/** Hooks of one limiter of `sharedLimiters()`. */
export interface SharedHooks {
  /**
   * The id under which a server-taught pause is kept in Redis and looked up before each start
   * (default: the limiter's own id): the id of the group whose quota this group shares.
   */
  pauseId?: string
  /** Told when a start found such a pause in Redis, with the ms it has left. */
  onPause?(ms: number): void
}

/** Shared limiters for several groups over one pair of Redis connections. */
export interface SharedLimiters {
  /**
   * A limiter for the limits kept under `id` (its keys are named after it). Several limiters
   * share the connections, which open on the first call of any of them.
   * @throws ConfigError on a limit that is not a positive number, or no limit at all.
   */
  limiter(id: string, limits: SharedLimits, hooks?: SharedHooks): Omit<SharedLimiter, 'close'>
  /**
   * Tells every process sharing `id` to hold its starts for `ms` (a quota the server said is
   * spent, a `Retry-After`): kept in Redis with that expiry, and only ever lengthened. Does
   * nothing while Redis is not connected.
   */
  pause(id: string, ms: number): void
  /** Stops every limiter and closes the Redis connections ply opened. */
  close(): Promise<void>
}

/** Default bound on waiting for Redis, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 3_000
/**
 * The cluster keys outlive the last process by this long (plus the spacing), then Redis drops
 * them. ply sets the expiry itself, every `KEY_REFRESH` ms while a limiter is alive: bottleneck's
 * own (`timeout`) sets a TTL computed from its next start time, which Redis rejects as "not an
 * integer" as soon as the spacing has a fraction of a millisecond (1035 / 3, 1035 / 100), and
 * every job then stays queued forever.
 */
export const KEY_TTL = 15 * 60_000
export const KEY_REFRESH = 60_000
/** bottleneck 2.19.5's keys for a limiter id (its `Scripts.allKeys`). */
export const KEY_SUFFIXES = [
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
export const JOB_EXPIRATION = 10 * 60_000
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
export const SPACING_ALLOWANCE_MS = 35
export const GUARD_ALLOWANCE_MS = 25
/**
 * KEYS: the pause key (see `PAUSE_LUA`), then one sorted set per window; ARGV: the member,
 * then the window (ms) and limit of each window key. Returns `{1, ms}` while a pause holds,
 * the ms to wait before asking again while a window is full, or `{0, now}` when the start is
 * recorded.
 */
export const GUARD_LUA = `
local paused = redis.call('pttl', KEYS[1])
if paused > 0 then return {1, paused} end
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 1, #KEYS - 1 do
  local window = tonumber(ARGV[2 * i])
  local limit = tonumber(ARGV[2 * i + 1])
  redis.call('zremrangebyscore', KEYS[i + 1], '-inf', now - window)
  local count = redis.call('zcard', KEYS[i + 1])
  if count >= limit then
    local oldest = redis.call('zrange', KEYS[i + 1], count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, #KEYS - 1 do
  redis.call('zadd', KEYS[i + 1], now, ARGV[1])
  redis.call('pexpire', KEYS[i + 1], ARGV[2 * i])
end
return {0, now}
`
export const GUARD_SHA = createHash('sha1').update(GUARD_LUA).digest('hex')
/**
 * A pause the server asked for, kept as a key that expires when the pause ends (so no clock
 * but Redis's is involved): KEYS[1] the pause key, ARGV[1] the pause in ms. Only lengthens.
 */
export const PAUSE_LUA = `
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[1]) then redis.call('set', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`
export const PAUSE_SHA = createHash('sha1').update(PAUSE_LUA).digest('hex')
/** The longest pause kept in Redis (a timer's limit, about 24.8 days). */
export const MAX_PAUSE_MS = 2_147_483_647
/** The key of a shared pause. */
export const pauseKey = (id: string): string => `ply:${id}:paused`
/**
 * The guard records a start at Redis's time, but the process may stall between that and the
 * task's start (measured: 50 ms and more with a busy CPU). When more than this passed between
 * asking and starting, the record is moved to the latest time the start can have had.
 */
export const LATE_START_MS = 5
/** How long `close()` waits for tasks already running and for Redis to acknowledge QUIT. */
export const CLOSE_TIMEOUT = 2_000
/** How long ioredis may wait for a socket to close after `disconnect()` before destroying it. */
export const DISCONNECT_TIMEOUT = 100

/** One limiter's settings: its id and what bottleneck and the start guard keep to. */
export interface LimiterSettings {
  id: string
  minTime: number
  /** Each configured window and its limit, for the start guard. */
  windows: { ms: number; limit: number }[]
  concurrency: number | undefined
}

/** The checked Redis options. */
export interface ConnectionSettings {
  id: string
  connectTimeout: number
}

/** Checks the Redis options; a bad one is a `ConfigError`. */
export function validateRedis(redis: RedisOptions): ConnectionSettings {
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
  // setTimeout's limit: a longer timeout would fire after 1 ms instead.
  if (!(Number.isFinite(connectTimeout) && connectTimeout > 0 && connectTimeout <= 2_147_483_647)) {
    throw new ConfigError(
      `redis.connectTimeout must be a positive number of milliseconds up to 2147483647, got ${connectTimeout}`,
    )
  }
  return { id: redis.id, connectTimeout }
}

/** Whether `limits` has anything to share: a window or a concurrency bound. */
export function hasSharedLimits(limits: SharedLimits): boolean {
  return (
    limits.perSecond !== undefined ||
    limits.perMinute !== undefined ||
    limits.perHour !== undefined ||
    limits.concurrency !== undefined
  )
}

/** Checks one limiter's limits; a bad one is a `ConfigError`. */
export function limiterSettings(id: string, limits: SharedLimits): LimiterSettings {
  if (limits === null || typeof limits !== 'object') throw new ConfigError('limits must be an object')
  const windows = [
    ['perSecond', 1_000],
    ['perMinute', 60_000],
    ['perHour', 3_600_000],
  ] as const
  let minTime = 0
  const guarded: LimiterSettings['windows'] = []
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
  return { id, minTime, windows: guarded, concurrency }
}

/** Names the Redis in messages without its password. */
export function describeRedis(redis: RedisOptions): string {
  if (redis.url !== undefined) return redactUrl(redis.url)
  const options = (redis.client as { options?: { host?: string; port?: number; path?: string } } | undefined)?.options
  if (options?.path) return options.path
  return `${options?.host ?? 'localhost'}:${options?.port ?? 6379} (the given client)`
}
