// What `rateLimit({ shared })` needs from a store that shares limits across processes. Only
// types (and one check) live here: the implementation over Redis is in the Node-only entry
// `ply-http/redis` (`redisConnection()`), so that nothing of it loads without it.

/** The limits every process sharing an id keeps together: a group's windows and concurrency. */
export interface SharedLimits {
  perSecond?: number | undefined
  perMinute?: number | undefined
  perHour?: number | undefined
  /** How many tasks may run at the same time across all processes. */
  concurrency?: number | undefined
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

/** One group's limiter, whose limits hold across every process that shares its id. */
export interface SharedLimiter {
  /**
   * Runs `task` when the cluster-wide limits allow; rejects with AbortError if `signal` aborts
   * while queued (the task then never runs), or with RateLimitError if the shared store is
   * unreachable (never runs the task unlimited). `task` is told how long the limits held it,
   * in ms. `priority`: 0 first, 9 last, default 5.
   */
  schedule<T>(task: (heldMs: number) => Promise<T>, options?: { signal?: AbortSignal; priority?: number }): Promise<T>
  /** Where a new call of `priority` (0 first, 9 last) would stand; see `SharedEstimate`. */
  estimate(priority?: number): SharedEstimate
}

/** Hooks of one limiter of `SharedLimiters`. */
export interface SharedHooks {
  /**
   * The id under which a server-taught pause is kept and looked up before each start
   * (default: the limiter's own id): the id of the group whose quota this group shares.
   */
  pauseId?: string | undefined
  /** Told when a start found such a pause, with the ms it has left. */
  onPause?(ms: number): void
}

/**
 * Shared limiters for the groups of one `rateLimit()`, over one set of connections, with
 * pauses that every process sharing an id obeys. `redisConnection().sharedLimits()` of
 * `ply-http/redis` makes one.
 */
export interface SharedLimiters {
  /** The id the default group's limits are kept under; a named group's under `<id>:<group>`. */
  readonly id: string
  /**
   * A limiter for the limits kept under `id`. Several limiters share the connections, which
   * open on the first call of any of them.
   * @throws ConfigError on a limit that is not a positive number, or no limit at all.
   */
  limiter(id: string, limits: SharedLimits, hooks?: SharedHooks): SharedLimiter
  /**
   * Tells every process sharing `id` to hold its starts for `ms` (a quota the server said is
   * spent, a `Retry-After`). Does nothing while the store is not connected.
   */
  pause(id: string, ms: number): void
  /** Stops every limiter and closes the connections ply opened (never a client you passed). */
  close(): Promise<void>
}

/**
 * What `rateLimit({ shared })` takes: `redisConnection({ url | client, id })` of
 * `ply-http/redis`. `rateLimit()` calls `sharedLimits()` once and closes what it returns in
 * its own `close()`.
 */
export interface SharedLimitsSource {
  /** Opens (lazily: nothing connects before the first call) the shared limiters of one `rateLimit()`. */
  sharedLimits(): SharedLimiters
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
