// What the shared limiter keeps to: a limiter's checked limits, and the bounds of its leases,
// waits, keys and close(), with why each is what it is.
import type { SharedLimits } from '../middleware/ratelimit/shared.ts'
import { ConfigError } from '../src/index.ts'

/**
 * A call holds a lease in Redis from its release until it settles. A process that dies leaves
 * its leases behind: each expires this long after it was taken or last renewed, and then
 * counts as settled at its expiry (so the windows keep it as long as they would have). A live
 * process renews the leases of its calls in flight every `LEASE_RENEW_MS`, so a long call
 * (an upload, a slow server) keeps its slot however long it runs.
 */
export const LEASE_MS = 30_000
export const LEASE_RENEW_MS = 10_000
/**
 * A call that found the calls in flight filling a window (or the concurrency bound) cannot
 * know when one will settle: a settle anywhere wakes it through a pub/sub message, and it asks
 * again after this long at the latest (a message can be lost with a connection).
 */
export const BLOCKED_POLL_MS = 1_000
/** Every key outlives the state it holds by this long, then Redis drops it. */
export const KEY_SLACK_MS = 60_000
/** How long `close()` waits for tasks already running and for Redis to acknowledge QUIT. */
export const CLOSE_TIMEOUT = 2_000
/** How long ioredis may wait for a socket to close after `disconnect()` before destroying it. */
export const DISCONNECT_TIMEOUT = 100
/**
 * The longest pause between two reconnection attempts of the connections ply opens: once
 * Redis answers again (after a restart, a failover), the limiter is back within about this.
 */
export const RECONNECT_MAX_MS = 1_000
/** The most calls one admission may let start at once (a batch that catches up, or a free concurrency). */
export const MAX_BATCH = 32

/** One limiter's limits, as the scripts take them. */
export interface LimiterSettings {
  readonly id: string
  /**
   * The spacing between two starts anywhere, in ms: `window / limit` of the tightest window (0
   * without one). Starts follow a schedule one spacing apart; a start up to `tolerance` late
   * keeps to the schedule (the next may follow sooner), so that a late timer costs no rate.
   */
  readonly spacing: number
  readonly tolerance: number
  /** Each window and the most calls it may hold (in flight, or settled within it). */
  readonly windows: readonly { readonly ms: number; readonly limit: number }[]
  /** Calls in flight at once across every process; 0 for no bound. */
  readonly concurrency: number
  /** The longest window (how long settle times are kept); 0 without one. */
  readonly retention: number
}

/** Checks one limiter's limits; a bad one is a `ConfigError`. */
export function limiterSettings(id: string, limits: SharedLimits): LimiterSettings {
  if (limits === null || typeof limits !== 'object') throw new ConfigError('limits must be an object')
  let spacing = 0
  const windows: { ms: number; limit: number }[] = []
  for (const [name, ms] of [
    ['perSecond', 1_000],
    ['perMinute', 60_000],
    ['perHour', 3_600_000],
  ] as const) {
    const value = limits[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new ConfigError(`${name} must be a positive number, got ${String(value)}`)
    }
    spacing = Math.max(spacing, ms / value)
    // A fractional limit (2.5/s) is an average: the spacing keeps it, the window allows ceil(limit).
    windows.push({ ms, limit: Math.ceil(value) })
  }
  const { concurrency } = limits
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) {
    throw new ConfigError(`concurrency must be a positive integer, got ${String(concurrency)}`)
  }
  if (windows.length === 0 && concurrency === undefined) {
    throw new ConfigError('a shared rate limiter needs at least one of perSecond, perMinute, perHour or concurrency')
  }
  return {
    id,
    spacing,
    // Half a spacing, and at least 20 ms: room for a late timer and a round trip on a busy
    // machine. At high rates a late start lets a few more through at once to catch up (at
    // most 1 + 20 ms / spacing: 21 at 1,000/s), never after an idle spell.
    tolerance: Math.max(spacing / 2, 20),
    windows,
    concurrency: concurrency ?? 0,
    retention: Math.max(0, ...windows.map((w) => w.ms)),
  }
}

/** The Redis keys of one limiter (all under `ply:<id>:`) and the channel its settles wake. */
export interface LimiterKeys {
  /** The pause the server asked for, under the id of the group that owns the quota. */
  readonly paused: string
  /** The leases of the calls in flight: member the call, score when the lease expires. */
  readonly leases: string
  /** The settle times within the longest window: member the call, score when it settled. */
  readonly settled: string
  /** When the next start is due on the spacing's schedule. */
  readonly next: string
  /** A token that changes whenever the state was lost (a restart, a flush), so processes re-add theirs. */
  readonly epoch: string
  /** Present while a call somewhere waits for a call in flight to settle. */
  readonly blocked: string
  /** The channel a settle publishes on while `blocked` is present. */
  readonly channel: string
}

/** The keys of the limiter `id` whose pause is kept under `pauseId`. */
export function limiterKeys(id: string, pauseId: string): LimiterKeys {
  const base = `ply:${id}:`
  return {
    paused: pauseKey(pauseId),
    leases: `${base}leases`,
    settled: `${base}settled`,
    next: `${base}next`,
    epoch: `${base}epoch`,
    blocked: `${base}blocked`,
    channel: `${base}freed`,
  }
}

/** The key of a shared pause. */
export const pauseKey = (id: string): string => `ply:${id}:paused`
