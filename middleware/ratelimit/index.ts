import { AbortError, ConfigError, type Context, type Quota, RateLimitError, TimeoutError } from '../../src/index.ts'
import { summarize } from '../../src/kit.ts'
import { Gate, type Ticket } from './gate.ts'
import { observe } from './learn.ts'
import { badCallOptions, RATE_LIMIT_CALL_OPTIONS, rejectUnknownRateLimitOptions } from './option-names.ts'
import {
  type GroupLimits,
  groupSettings,
  quotaOwners,
  type RateLimitMiddleware,
  type RateLimitOptions,
  sharedSource,
} from './options.ts'
import { hasSharedLimits, type SharedLimiter, type SharedLimiters } from './shared.ts'
import { Taught } from './taught.ts'
import { addWait, closedError, describeBound, queueFull, report, sharedPriority, waitBound, waitTurn } from './waits.ts'

export type { AdaptiveConcurrency } from './adaptive.ts'
export type {
  ConcurrencyEvent,
  GroupLimits,
  LimitedEvent,
  LimitReason,
  Limits,
  RateLimitMiddleware,
  RateLimitOptions,
} from './options.ts'
export type {
  SharedEstimate,
  SharedHooks,
  SharedLimiter,
  SharedLimiters,
  SharedLimits,
  SharedLimitsSource,
} from './shared.ts'

const DEFAULT_GROUP = 'default'
/** Answers that say the server is overloaded, which halve adaptive concurrency. */
const OVERLOAD_STATUSES = new Set([429, 503])
/**
 * A wait in shared mode shorter than this is Redis's round trip (the admission script's,
 * slower on a loaded machine), not the limit holding the call.
 */
const SHARED_WAIT_WORTH_REPORTING_MS = 20

/**
 * Keeps to rate limits, built on sliding windows (every window holds at once: `perSecond`,
 * `perMinute`, `perHour`) and a `concurrency` bound, and learns the real limits from the
 * server: an exhausted quota (`X-RateLimit-Remaining: 0`, `RateLimit: r=0`) or a `Retry-After`
 * on a 429/503 pauses the whole group until the reset; a quota shorter than the configured
 * windows is spread evenly until the reset; a `RateLimit-Policy` becomes one more window.
 *
 * Each attempt takes a slot (place it inside `retry()`); a cache hit takes none (place it
 * inside `cache()`). A request that may start now does so at once; otherwise it waits in a
 * priority queue (`priority` per call). `maxQueue` bounds the queue (one more is a
 * `RateLimitError` at once), an abort removes a waiting request, and a wait that would cross
 * the call's `deadline` (or `maxWait`) fails fast with a `RateLimitError` saying how long it
 * would have been, predicted from the call's place in the queue.
 *
 * `groups` and `group` give some requests limits of their own (a search API, mutations);
 * `sharesQuotaWith` makes a group obey and teach the server-taught quota of another. With
 * `shared: redisConnection({ url | client, id })` (from `ply-http/redis`), every group's
 * limits are shared by every process with the same `id`, through ply's scripts in Redis
 * (counted at the server as the local windows are), and so are the pauses the server asks for.
 */
export function rateLimit(options: RateLimitOptions = {}): RateLimitMiddleware {
  const defaults = groupSettings(options)
  const groups: Readonly<Record<string, GroupLimits>> = options.groups ?? {}
  const named = new Map(
    Object.entries(groups).map(([name, limits]) => [name, groupSettings(limits, `rateLimit() group '${name}'`)]),
  )
  const owners = quotaOwners(groups, DEFAULT_GROUP)
  if (options.group !== undefined && typeof options.group !== 'function') {
    throw new ConfigError('rateLimit(): group must be a function of the context')
  }
  const { maxWait } = options
  if (maxWait !== undefined && !(typeof maxWait === 'number' && maxWait >= 0 && maxWait <= 2_147_483_647)) {
    throw new ConfigError(`rateLimit(): maxWait must be a number of ms from 0 to 2147483647, got ${String(maxWait)}`)
  }

  const source = sharedSource(options)
  // After `sharedSource`, which refuses the retired `redis` option with what to do instead.
  rejectUnknownRateLimitOptions(options)
  const limitsOf = (name: string): GroupLimits => groups[name] ?? options
  // Every group's limits were checked above, though its shared limiter is built on its first call.
  if (
    source !== undefined &&
    ![DEFAULT_GROUP, ...Object.keys(groups)].some((name) => hasSharedLimits(limitsOf(name)))
  ) {
    throw new ConfigError(
      'rateLimit({ shared }): no group has limits to share; give the default group or a named one at least one of perSecond, perMinute, perHour or concurrency',
    )
  }
  const hub: SharedLimiters | undefined = source?.sharedLimits()
  /** Aborted by `close()`: it ends every wait, local or shared, and refuses later attempts. */
  const closing = new AbortController()
  let closed: Promise<void> | undefined
  /** The shared id of a group's limits: the default group keeps `id` itself, so existing deployments keep their keys. */
  const baseId = hub?.id ?? ''
  const sharedId = (name: string): string => (name === DEFAULT_GROUP ? baseId : `${baseId}:${name}`)

  const taughts = new Map<string, Taught>()
  const ownerOf = (name: string): string => owners.get(name) ?? name
  const taughtFor = (owner: string): Taught => {
    let taught = taughts.get(owner)
    if (taught === undefined) {
      taught = new Taught()
      taughts.set(owner, taught)
    }
    return taught
  }
  const gates = new Map<string, Gate>()
  const gateFor = (name: string): Gate => {
    let gate = gates.get(name)
    if (gate === undefined) {
      gate = new Gate(named.get(name) ?? defaults, taughtFor(ownerOf(name)))
      gates.set(name, gate)
    }
    return gate
  }
  /** A group's shared limiter, built on its first call; `null` when the group has nothing to share. */
  const shared = new Map<string, SharedLimiter | null>()
  const sharedFor = (name: string): SharedLimiter | undefined => {
    if (hub === undefined) return undefined
    let limiter = shared.get(name)
    if (limiter === undefined) {
      const limits = limitsOf(name)
      const owner = ownerOf(name)
      limiter = hasSharedLimits(limits)
        ? hub.limiter(sharedId(name), limits, {
            pauseId: sharedId(owner),
            // A pause another process learned holds this process's queue too.
            onPause: (ms) => taughtFor(owner).holdUntil(Gate.now() + ms),
          })
        : null
      shared.set(name, limiter)
    }
    return limiter ?? undefined
  }

  /** Learns from the answer; a pause it teaches reaches the other processes in shared mode. */
  const learn = (ctx: Context, gate: Gate, name: string): void => {
    if (ctx.response === undefined) return
    const pausedMs = gate.learn(observe(ctx.response, Date.now()), Date.now())
    if (pausedMs !== undefined) hub?.pause(sharedId(ownerOf(name)), pausedMs)
  }

  /**
   * One attempt with its ticket: waits for the shared limits (in shared mode), sends it, learns
   * from the answer, gives the slot back. `waitedMs` is how long it waited in the local queue
   * (`undefined` when it took the fast path, and so has not been counted against `maxQueue`).
   */
  const attempt = (
    ctx: Context,
    next: () => Promise<void>,
    gate: Gate,
    name: string,
    ticket: Ticket,
    waitedMs: number | undefined,
  ): Promise<void> => {
    ticket.depart()
    let sent: Promise<void>
    try {
      const limiter = sharedFor(name)
      sent = limiter === undefined ? next() : viaShared(ctx, next, limiter, gate, name, waitedMs)
    } catch (error) {
      ticket.release()
      return Promise.reject(error)
    }
    return sent.then(
      () => {
        try {
          learn(ctx, gate, name)
        } finally {
          settle(ctx, ticket, name, OVERLOAD_STATUSES.has(ctx.response?.status ?? 0))
        }
      },
      (error: unknown) => {
        settle(ctx, ticket, name, error instanceof TimeoutError)
        throw error
      },
    )
  }

  /** Gives the ticket back, telling the call's listeners when adaptive concurrency moved. */
  const settle = (ctx: Context, ticket: Ticket, name: string, overloaded: boolean): void => {
    const change = ticket.release(overloaded)
    if (change !== undefined) ctx.events.emit('concurrency', { group: name, ...change })
  }

  /**
   * Waits for the shared limits, then sends. A wait predicted to cross the call's deadline or
   * `maxWait` fails at once; a call that would wait counts against `maxQueue`; a call still
   * waiting when its bound comes is removed with a `RateLimitError`.
   */
  const viaShared = (
    ctx: Context,
    next: () => Promise<void>,
    limiter: SharedLimiter,
    gate: Gate,
    name: string,
    waitedMs: number | undefined,
  ): Promise<void> => {
    const priority = sharedPriority(ctx.request.options.priority)
    const request = () => summarize(ctx.request.method, ctx.request.peekUrl())
    const bound = waitBound(ctx, maxWait, waitedMs ?? 0)
    const expected = limiter.estimate(priority)
    if (expected.waitMs >= SHARED_WAIT_WORTH_REPORTING_MS) {
      // A call from the local queue was counted there already.
      if (waitedMs === undefined && gate.waiting + expected.waiting >= gate.maxQueue) {
        return Promise.reject(queueFull(gate, request))
      }
      const waitMs = Math.ceil(expected.waitMs)
      if (bound !== undefined && waitMs > bound.ms) {
        return Promise.reject(
          new RateLimitError(
            `the shared rate limit would hold this call at least ${waitMs} ms, ${describeBound(bound, maxWait)}`,
            { request: request(), resetAt: new Date(Date.now() + waitMs) },
          ),
        )
      }
    }
    const { signal } = ctx.request
    const queuedAt = Gate.now()
    // The bound ends the wait through the shared limiter's signal, with an abort of its own.
    const timeUp = bound === undefined ? undefined : new AbortController()
    const timer = timeUp === undefined ? undefined : setTimeout(() => timeUp.abort(), bound?.ms)
    const run = (heldMs: number) => {
      clearTimeout(timer)
      addWait(ctx, Gate.now() - queuedAt)
      // Redis decides the start time, so the wait is known only once it is over.
      if (heldMs >= SHARED_WAIT_WORTH_REPORTING_MS) {
        report(ctx, { group: name, waitMs: Math.round(heldMs), reason: 'shared' })
      }
      return next()
    }
    const signals = [signal, timeUp?.signal, closing.signal].filter((s): s is AbortSignal => s !== undefined)
    const combined = signals.length > 1 ? AbortSignal.any(signals) : signals[0]
    return limiter.schedule(run, combined === undefined ? { priority } : { signal: combined, priority }).then(
      (value) => {
        clearTimeout(timer)
        return value
      },
      (error: unknown) => {
        clearTimeout(timer)
        if (error instanceof AbortError && timeUp?.signal.aborted && !signal?.aborted && bound !== undefined) {
          const what = bound.deadline ? 'its deadline' : `maxWait (${maxWait} ms)`
          throw new RateLimitError(`the call reached ${what} while waiting for the shared rate limit`, {
            request: request(),
          })
        }
        throw error
      },
    )
  }

  // Not async: a call that may start at once (the common case) goes straight through.
  const middleware = (ctx: Context, next: () => Promise<void>): Promise<void> => {
    if (closing.signal.aborted) return Promise.reject(closedError(ctx))
    const { priority, limitGroup } = ctx.request.options
    const bad = badCallOptions(ctx.request.options, groups)
    if (bad !== undefined) return Promise.reject(bad)
    ctx.facts.rateLimitWaitMs ??= 0
    const name = limitGroup ?? options.group?.(ctx) ?? DEFAULT_GROUP
    const gate = gateFor(name)
    const ticket = gate.tryStart()
    if (ticket !== undefined) return attempt(ctx, next, gate, name, ticket, undefined)
    const queuedAt = Gate.now()
    const sharedWaiting = sharedFor(name)?.estimate(sharedPriority(priority)).waiting ?? 0
    return waitTurn(gate, name, ctx, options, sharedWaiting, closing.signal).then((granted) => {
      const waited = Gate.now() - queuedAt
      addWait(ctx, waited)
      return attempt(ctx, next, gate, name, granted, waited)
    })
  }

  return Object.assign(middleware, {
    callOptions: RATE_LIMIT_CALL_OPTIONS,
    phase: 'limit' as const,
    displayName: 'rateLimit()',
    quota: (group = DEFAULT_GROUP): Quota => gateFor(group).quota,
    concurrency: (group = DEFAULT_GROUP): number => gateFor(group).concurrency,
    close: (): Promise<void> => {
      if (closed === undefined) {
        closing.abort()
        closed = hub === undefined ? Promise.resolve() : hub.close()
      }
      return closed
    },
  })
}
