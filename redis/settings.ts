// What the shared limiter keeps to: the spacing, the start guard's windows, the keys' expiry
// and the bounds of close(), with the measurements that chose them.
import type { SharedLimits } from '../middleware/ratelimit/shared.ts'
import { ConfigError } from '../src/index.ts'

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
