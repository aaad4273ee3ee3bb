import {
  AbortError,
  ConfigError,
  type Context,
  type Middleware,
  RateLimitError,
  remainingTime,
  summarize,
} from '../../src/index.ts'
import { Gate, type Quota, type Ticket } from './gate.ts'
import { observe } from './learn.ts'
import { groupSettings, type LimitedEvent, type RateLimitOptions } from './options.ts'
import { type SharedLimiter, sharedLimiter } from './shared/index.ts'

export type { Quota } from './gate.ts'
export type { LimitedEvent, LimitReason, Limits, RateLimitOptions } from './options.ts'
export type { RedisOptions } from './shared/index.ts'

/** The middleware `rateLimit()` returns, with a view of the quotas and a way to stop. */
export interface RateLimitMiddleware extends Middleware {
  /** What the server last said about a group's quota (limit, remaining, reset). */
  quota(group?: string): Quota
  /** Closes the Redis connection of shared mode, if ply opened it; nothing otherwise. */
  close(): Promise<void>
}

const DEFAULT_GROUP = 'default'
/** A wait in shared mode shorter than this is Redis's round trip, not the limit holding the call. */
const SHARED_WAIT_WORTH_REPORTING_MS = 5

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
 * the call's `deadline` fails fast with a `RateLimitError` saying how long it would have been.
 *
 * `groups` and `group` give some requests limits of their own (a search API, mutations).
 * With `redis`, the default group's limits are shared by every process with the same `id`,
 * through bottleneck's Redis clustering.
 */
export function rateLimit(options: RateLimitOptions = {}): RateLimitMiddleware {
  const defaults = groupSettings(options)
  const named = new Map(
    Object.entries(options.groups ?? {}).map(([name, limits]) => [
      name,
      groupSettings(limits, `rateLimit() group '${name}'`),
    ]),
  )
  if (options.group !== undefined && typeof options.group !== 'function') {
    throw new ConfigError('rateLimit(): group must be a function of the context')
  }
  if (options.onLimited !== undefined && typeof options.onLimited !== 'function') {
    throw new ConfigError('rateLimit(): onLimited must be a function')
  }
  const { maxWait } = options
  if (maxWait !== undefined && !(typeof maxWait === 'number' && maxWait >= 0 && maxWait <= 2_147_483_647)) {
    throw new ConfigError(`rateLimit(): maxWait must be a number of ms from 0 to 2147483647, got ${String(maxWait)}`)
  }
  const shared: SharedLimiter | undefined =
    options.redis === undefined ? undefined : sharedLimiter(options.redis, options)
  const gates = new Map<string, Gate>()
  const gateFor = (name: string): Gate => {
    let gate = gates.get(name)
    if (gate === undefined) {
      gate = new Gate(named.get(name) ?? defaults)
      gates.set(name, gate)
    }
    return gate
  }

  /** One attempt with its ticket: sends it, learns from the answer, gives the slot back. */
  const attempt = (ctx: Context, next: () => Promise<void>, gate: Gate, name: string, ticket: Ticket) => {
    ticket.depart()
    let sent: Promise<void>
    try {
      if (shared !== undefined && name === DEFAULT_GROUP) {
        const { signal } = ctx.request
        const queuedAt = Gate.now()
        const run = (heldMs: number) => {
          addWait(ctx, Gate.now() - queuedAt)
          // Redis decides the start time, so the wait is known only once it is over.
          if (heldMs >= SHARED_WAIT_WORTH_REPORTING_MS) {
            report(ctx, options, { group: name, waitMs: Math.round(heldMs), reason: 'shared' })
          }
          return next()
        }
        const priority = sharedPriority(ctx.request.options.priority)
        sent = shared.schedule(run, signal === undefined ? { priority } : { signal, priority })
      } else {
        sent = next()
      }
    } catch (error) {
      ticket.release()
      return Promise.reject(error)
    }
    return sent.then(
      () => {
        try {
          if (ctx.response !== undefined) gate.learn(observe(ctx.response, Date.now()), Date.now())
        } finally {
          ticket.release()
        }
      },
      (error: unknown) => {
        ticket.release()
        throw error
      },
    )
  }

  // Not async: a call that may start at once (the common case) goes straight through.
  const middleware = (ctx: Context, next: () => Promise<void>): Promise<void> => {
    const { priority } = ctx.request.options
    if (priority !== undefined && !(typeof priority === 'number' && Number.isFinite(priority))) {
      return Promise.reject(
        new ConfigError(`rateLimit: a call's priority must be a finite number, got ${String(priority)}`),
      )
    }
    const name = options.group?.(ctx) ?? DEFAULT_GROUP
    const gate = gateFor(name)
    const ticket = gate.tryStart()
    if (ticket !== undefined) return attempt(ctx, next, gate, name, ticket)
    return waitedTurn(gate, name, ctx, options).then((granted) => attempt(ctx, next, gate, name, granted))
  }

  return Object.assign(middleware, {
    quota: (group = DEFAULT_GROUP): Quota => gateFor(group).quota,
    close: async () => {
      await shared?.close()
    },
  })
}

/** `waitTurn`, adding the time waited to `ctx.state.rateLimitWaitMs`. */
async function waitedTurn(gate: Gate, group: string, ctx: Context, options: RateLimitOptions): Promise<Ticket> {
  const queuedAt = Gate.now()
  const ticket = await waitTurn(gate, group, ctx, options)
  addWait(ctx, Gate.now() - queuedAt)
  return ticket
}

function addWait(ctx: Context, waitedMs: number): void {
  if (waitedMs > 0) ctx.state.rateLimitWaitMs = (ctx.state.rateLimitWaitMs ?? 0) + waitedMs
}

/** Waits for the request's turn, or fails fast when the queue is full or the wait too long. */
function waitTurn(gate: Gate, group: string, ctx: Context, options: RateLimitOptions): Promise<Ticket> {
  const request = () => summarize(ctx.request.method, ctx.request.peekUrl())
  if (gate.waiting >= gate.maxQueue) {
    return Promise.reject(
      new RateLimitError(`the rate limiter's queue is full (maxQueue ${gate.maxQueue})`, { request: request() }),
    )
  }
  const now = Gate.now()
  const block = gate.blocked(now) ?? { at: now, reason: 'window' as const }
  const waitMs = Number.isFinite(block.at) ? Math.ceil(block.at - now) : 0
  const toDeadline = remainingTime(ctx)
  const left = minOf(toDeadline, options.maxWait)
  if (left !== undefined && waitMs > left) {
    const bound = left === toDeadline ? `past its deadline (${left} ms left)` : `longer than maxWait (${left} ms)`
    return Promise.reject(
      new RateLimitError(`the rate limit would hold this call ${waitMs} ms, ${bound}`, {
        request: request(),
        resetAt: new Date(Date.now() + waitMs),
      }),
    )
  }
  report(ctx, options, { group, waitMs, reason: block.reason })
  const { signal } = ctx.request
  const priority = ctx.request.options.priority ?? 0
  return new Promise<Ticket>((resolve, reject) => {
    let settled = false
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      signal?.removeEventListener('abort', onAbort)
      clearTimeout(deadlineTimer)
      return true
    }
    const cancel = gate.enqueue(priority, (ticket) => {
      if (settle()) resolve(ticket)
      else ticket.release()
    })
    function onAbort(): void {
      if (!settle()) return
      cancel()
      reject(
        new AbortError('the request was aborted while waiting for the rate limit', {
          cause: signal?.reason,
          request: request(),
        }),
      )
    }
    if (settled) return
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    if (left !== undefined && !settled) {
      deadlineTimer = setTimeout(() => {
        if (!settle()) return
        cancel()
        const what = left === toDeadline ? 'its deadline' : `maxWait (${left} ms)`
        reject(new RateLimitError(`the call reached ${what} while waiting for the rate limit`, { request: request() }))
      }, left)
    }
  })
}

/** Tells `onLimited` and the client's `rateLimited` listeners that a call waits (or waited). */
function report(ctx: Context, options: RateLimitOptions, event: LimitedEvent): void {
  options.onLimited?.(event)
  ctx.events.emit('rateLimited', event)
}

/**
 * A call's priority (higher first, default 0) as bottleneck's (0 first, 9 last, default 5),
 * so that shared mode orders its queue as the local limiter does.
 */
function sharedPriority(priority: number | undefined): number {
  return Math.min(9, Math.max(0, 5 - Math.round(priority ?? 0)))
}

function minOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b)
}
