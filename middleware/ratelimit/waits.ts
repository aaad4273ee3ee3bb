// What a call's wait in rateLimit() is bounded by and tells: the local queue's wait, the call's
// deadline and `maxWait`, the errors that refuse a wait, and the reports of one.
import { AbortError, type Context, RateLimitError } from '../../src/index.ts'
import { type EventDetail, remainingTime, summarize } from '../../src/kit.ts'
import { Gate, type Ticket } from './gate.ts'
import type { RateLimitOptions } from './options.ts'

/** How long a call may still wait for its turn, and what bounds it. */
export interface WaitBound {
  readonly ms: number
  /** The call's deadline (rather than `maxWait`). */
  readonly deadline: boolean
}

/** Adds a wait to the call's `rateLimitWaitMs` fact (what `log()` and the `response` event report). */
export function addWait(ctx: Context, waitedMs: number): void {
  ctx.facts.rateLimitWaitMs = (ctx.facts.rateLimitWaitMs ?? 0) + waitedMs
}

/** What is left of the call's deadline and of `maxWait` (less `waitedMs`), whichever is less. */
export function waitBound(ctx: Context, maxWait: number | undefined, waitedMs: number): WaitBound | undefined {
  const toDeadline = remainingTime(ctx)
  const toMaxWait = maxWait === undefined ? undefined : Math.max(0, Math.floor(maxWait - waitedMs))
  if (toDeadline === undefined) return toMaxWait === undefined ? undefined : { ms: toMaxWait, deadline: false }
  if (toMaxWait === undefined || toDeadline <= toMaxWait) return { ms: toDeadline, deadline: true }
  return { ms: toMaxWait, deadline: false }
}

/** Says what a wait would cross, for the error that refuses it. */
export function describeBound(bound: WaitBound, maxWait: number | undefined): string {
  if (bound.deadline) return `past its deadline (${bound.ms} ms left)`
  return bound.ms === maxWait ? `longer than maxWait (${bound.ms} ms)` : `longer than maxWait leaves (${bound.ms} ms)`
}

/** The error of a call that finds the queue full. */
export function queueFull(gate: Gate, request: () => ReturnType<typeof summarize>): RateLimitError {
  return new RateLimitError(`the rate limiter's queue is full (maxQueue ${gate.maxQueue})`, { request: request() })
}

/**
 * Waits for the request's turn, or fails fast when the queue is full (counting the calls that
 * wait in the shared limiter, `sharedWaiting`) or the predicted wait too long. When `closing`
 * aborts (the limiter's `close()`), the wait ends with an `AbortError`.
 */
export function waitTurn(
  gate: Gate,
  group: string,
  ctx: Context,
  options: RateLimitOptions,
  sharedWaiting: number,
  closing: AbortSignal,
): Promise<Ticket> {
  const request = () => summarize(ctx.request.method, ctx.request.peekUrl())
  if (gate.waiting + sharedWaiting >= gate.maxQueue) return Promise.reject(queueFull(gate, request))
  const now = Gate.now()
  const priority = ctx.request.options.priority ?? 0
  // The call's own place: the waiters that go before it each take a start first.
  const predicted = gate.predict(priority, now)
  const waitMs = Math.ceil(predicted.at - now)
  const bound = waitBound(ctx, options.maxWait, 0)
  if (bound !== undefined && waitMs > bound.ms) {
    return Promise.reject(
      new RateLimitError(`the rate limit would hold this call ${waitMs} ms, ${describeBound(bound, options.maxWait)}`, {
        request: request(),
        resetAt: new Date(Date.now() + waitMs),
      }),
    )
  }
  report(ctx, { group, waitMs, reason: predicted.reason })
  const { signal } = ctx.request
  return new Promise<Ticket>((resolve, reject) => {
    let settled = false
    let deadlineTimer: ReturnType<typeof setTimeout> | undefined
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      signal?.removeEventListener('abort', onAbort)
      closing.removeEventListener('abort', onClose)
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
    function onClose(): void {
      if (!settle()) return
      cancel()
      reject(new AbortError('the client was closed while the call waited for the rate limit', { request: request() }))
    }
    if (settled) return
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
    closing.addEventListener('abort', onClose, { once: true })
    if (bound !== undefined && !settled) {
      deadlineTimer = setTimeout(() => {
        if (!settle()) return
        cancel()
        const what = bound.deadline ? 'its deadline' : `maxWait (${bound.ms} ms)`
        reject(new RateLimitError(`the call reached ${what} while waiting for the rate limit`, { request: request() }))
      }, bound.ms)
    }
  })
}

/** Tells the client's `rateLimited` listeners that a call waits (or waited). */
export function report(ctx: Context, event: EventDetail<'rateLimited'>): void {
  ctx.events.emit('rateLimited', event)
}

/**
 * A call's priority (higher first, default 0) on the shared limiter's scale (0 first, 9 last,
 * default 5), so that shared mode orders its queue as the local limiter does.
 */
export function sharedPriority(priority: number | undefined): number {
  return Math.min(9, Math.max(0, 5 - Math.round(priority ?? 0)))
}

/** The error of an attempt that reaches a closed limiter (a retry of a call sent before). */
export function closedError(ctx: Context): AbortError {
  const request = summarize(ctx.request.method, ctx.request.peekUrl())
  return new AbortError('the rate limiter was closed (client.close()); the call was not sent', { request })
}
