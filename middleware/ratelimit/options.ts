import { type CallEvent, ConfigError, type Context, type Middleware, type Quota } from '../../src/index.ts'
import { type AdaptiveConcurrency, type AdaptiveSettings, adaptiveSettings } from './adaptive.ts'
import type { SharedLimitsSource } from './shared.ts'

/**
 * The limits of one group. Every window holds at the same time, counted as the server counts
 * them: a call holds its place in a window from its release until it settles, and counts from
 * its settle time after that, so that no window of arrivals at the server holds more.
 */
export interface Limits {
  /** Calls in any sliding second. */
  perSecond?: number
  /** Calls in any sliding minute. */
  perMinute?: number
  /** Calls in any sliding hour. */
  perHour?: number
  /** Attempts in flight at once (with `adaptiveConcurrency`, its ceiling). */
  concurrency?: number
  /**
   * Attempts in flight follow the server between a floor and a ceiling (AIMD): `true`, or
   * `{ min, max, initial }`. In shared mode it bounds this process's calls. Default: off.
   */
  adaptiveConcurrency?: boolean | AdaptiveConcurrency
  /** Requests waiting at most; one more is a `RateLimitError` at once. Default: no bound. */
  maxQueue?: number
}

/** The limits of a named group, and whose quota its requests count against. */
export interface GroupLimits extends Limits {
  /**
   * The group whose server-taught quota this group's requests count against: `'default'` or
   * another name in `groups`. The two groups then obey and teach one server-taught state: a
   * response in either that says the quota is spent (or a `Retry-After`) holds both until the
   * reset, a short quota is paced across both, a `RateLimit-Policy` is one window for both,
   * and `quota()` of either reports the same numbers. Each group keeps its own configured
   * windows, concurrency and queue. For an API whose one quota covers several groups, such as
   * GitHub's core quota over reads and mutations. Default: a quota of the group's own.
   */
  sharesQuotaWith?: string
}

/**
 * Why a request had to wait: a sliding `'window'` was full, no `'concurrency'` slot was free,
 * the `'server'` asked for a pause, the limiter is spreading a short quota (`'pace'`), or the
 * limiter `'shared'` through Redis held it (reported after the wait, which only Redis knew).
 */
export type LimitReason = 'window' | 'concurrency' | 'server' | 'pace' | 'shared'

/** The client's `rateLimited` event (`client.on('rateLimited', listener)`): a call has to wait. */
export interface LimitedEvent extends CallEvent {
  /** The group the request belongs to. */
  readonly group: string
  /**
   * The expected wait in ms (0 when it waits for a concurrency slot, which has no schedule);
   * for `'shared'`, the wait it had.
   */
  readonly waitMs: number
  readonly reason: LimitReason
}

/** Options of `rateLimit()`: the default group's limits, plus groups and shared mode. */
export interface RateLimitOptions extends Limits {
  /** Limits of named groups; a request's group is chosen by `group`. */
  groups?: Readonly<Record<string, GroupLimits>>
  /** Picks a request's group by name; `undefined` is the default group. */
  group?: (ctx: Context) => string | undefined
  /**
   * Share every group's limits with the other processes that use the same id: what
   * `redisConnection({ url | client, id })` of `ply-http/redis` makes (docs/ratelimit.md, "Shared
   * limits through Redis"). `close()` closes the connections it opened. Default: limits of this process.
   */
  shared?: SharedLimitsSource | undefined
  /**
   * The longest a request may wait for its turn, in ms: a longer expected wait (a quota that
   * resets in an hour) fails at once with a `RateLimitError` saying when the limit resets, and a
   * wait that runs past it fails then. Default: no bound but the call's `deadline`.
   */
  maxWait?: number
}

/** The windows and bounds of a group, checked. */
export interface GroupSettings {
  readonly windows: readonly { readonly limit: number; readonly durationMs: number }[]
  readonly concurrency: number
  readonly maxQueue: number
  /** Adaptive concurrency's bounds, when it is on. */
  readonly adaptive: AdaptiveSettings | undefined
}

/** The client's `concurrency` event: adaptive concurrency moved a group's bound of calls in flight. */
export interface ConcurrencyEvent extends CallEvent {
  readonly group: string
  /** Calls allowed in flight now. */
  readonly limit: number
  /** Calls allowed in flight before. */
  readonly previous: number
}

declare module '../../src/index.ts' {
  interface ClientEvents {
    /** `rateLimit()` holds the call before its next attempt. */
    rateLimited: LimitedEvent
    /** `rateLimit({ adaptiveConcurrency })` moved a group's bound of calls in flight. */
    concurrency: ConcurrencyEvent
  }
  interface CallFacts {
    /**
     * Milliseconds the call waited for `rateLimit()`'s turns, over all its attempts (0 when it
     * never waited); absent when no rate limiter is in the stack.
     */
    rateLimitWaitMs?: number
  }
  interface RequestOptions {
    /** The call's place in a rate limiter's queue: higher goes first (default 0). */
    priority?: number | undefined
    /**
     * The rate-limit group of this call: `'default'` or a name in `rateLimit()`'s `groups`
     * (another name is a `ConfigError`). It wins over the `group` function; a client's
     * `routes` option can set it per operation.
     */
    limitGroup?: string | undefined
  }
}

function positive(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || !Number.isInteger(value)) {
    throw new ConfigError(`${name} must be a positive whole number, got ${String(value)}`)
  }
  return value
}

/** Checks one group's limits; a bad value is a `ConfigError` naming it. */
export function groupSettings(limits: Limits, where = 'rateLimit()'): GroupSettings {
  if (typeof limits !== 'object' || limits === null) {
    throw new ConfigError(`${where}: the limits must be an object, got ${limits === null ? 'null' : typeof limits}`)
  }
  const windows: { limit: number; durationMs: number }[] = []
  for (const [name, durationMs] of [
    ['perSecond', 1_000],
    ['perMinute', 60_000],
    ['perHour', 3_600_000],
  ] as const) {
    const limit = positive(limits[name], `${where}: ${name}`)
    if (limit !== undefined) {
      if (limit > 1_000_000) throw new ConfigError(`${where}: ${name} above 1,000,000 is not a limit`)
      windows.push({ limit, durationMs })
    }
  }
  const concurrency = positive(limits.concurrency, `${where}: concurrency`) ?? Number.POSITIVE_INFINITY
  const maxQueue =
    limits.maxQueue === 0 ? 0 : (positive(limits.maxQueue, `${where}: maxQueue`) ?? Number.POSITIVE_INFINITY)
  return { windows, concurrency, maxQueue, adaptive: adaptiveSettings(limits.adaptiveConcurrency, concurrency, where) }
}

/**
 * The group whose server-taught quota each named group obeys (itself, unless `sharesQuotaWith`
 * says otherwise), following chains to the group that owns the quota.
 * @throws ConfigError when `sharesQuotaWith` names no group or the chain goes round in a circle.
 */
export function quotaOwners(groups: Readonly<Record<string, GroupLimits>>, defaultGroup: string): Map<string, string> {
  const owners = new Map<string, string>()
  for (const name of Object.keys(groups)) {
    const chain = [name]
    let current = name
    let next: unknown = groups[name]?.sharesQuotaWith
    while (next !== undefined && current !== defaultGroup) {
      if (typeof next !== 'string' || (next !== defaultGroup && !Object.hasOwn(groups, next))) {
        throw new ConfigError(
          `rateLimit() group '${current}': sharesQuotaWith must be '${defaultGroup}' or a name in groups, got ${typeof next === 'string' ? `'${next}'` : String(next)}`,
        )
      }
      chain.push(next)
      if (chain.indexOf(next) < chain.length - 1) {
        throw new ConfigError(
          `rateLimit() group '${name}': sharesQuotaWith goes round in a circle (${chain.join(' → ')})`,
        )
      }
      current = next
      next = groups[current]?.sharesQuotaWith
    }
    owners.set(name, current)
  }
  return owners
}

/** How to share limits now, for the messages that refuse another shape. */
const SHARED_HOW =
  "import { redisConnection } from 'ply-http/redis' and pass rateLimit({ shared: redisConnection({ url, id }) })"

/**
 * Checks the `shared` option, and refuses the `redis` option of earlier versions (which made
 * the middleware load a Redis client): either is a `ConfigError` that says what to do instead.
 */
export function sharedSource(options: RateLimitOptions): SharedLimitsSource | undefined {
  if (Object.hasOwn(options, 'redis')) {
    throw new ConfigError(`rateLimit(): the redis option is gone; for limits shared through Redis, ${SHARED_HOW}`)
  }
  const { shared } = options
  if (shared === undefined) return undefined
  if (typeof shared !== 'object' || shared === null || typeof shared.sharedLimits !== 'function') {
    throw new ConfigError(
      `rateLimit(): shared must be what redisConnection() makes, got ${shared === null ? 'null' : typeof shared}; ${SHARED_HOW}`,
    )
  }
  return shared
}

/** The middleware `rateLimit()` returns, with a view of the quotas and a way to stop. */
export interface RateLimitMiddleware extends Middleware {
  /**
   * What the server last said about a group's quota (limit, remaining, reset); for a group
   * with `sharesQuotaWith`, the quota it shares.
   */
  quota(group?: string): Quota
  /** Calls a group may have in flight now: its `concurrency`, or adaptive concurrency's bound. */
  concurrency(group?: string): number
  /**
   * Ends the limiter (what `client.close()` calls): calls waiting in its queue settle with an
   * `AbortError`, a later attempt is refused with one, and in shared mode the connections ply
   * opened (from a URL) are closed. Idempotent.
   */
  close(): Promise<void>
}
