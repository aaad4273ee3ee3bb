import type { Context } from './context.ts'
import { TimeoutError } from './errors.ts'
import { summarize } from './request-summary.ts'

/**
 * Milliseconds left before the call's `deadline` (0 when it has passed), or `undefined` when
 * the call has none. Middlewares that wait (a retry's backoff, a rate limiter's queue) use it
 * to refuse a wait that would cross the deadline.
 */
export function remainingTime(ctx: Context): number | undefined {
  return ctx.deadline === undefined ? undefined : Math.max(0, ctx.deadline - Date.now())
}

/**
 * How long the next step of an attempt may take: the per-attempt `timeout`, cut to what is
 * left of the deadline. Throws the `TimeoutError` of a deadline that has already passed.
 */
export function attemptBudget(ctx: Context): number | false {
  const { timeout } = ctx.request
  const left = remainingTime(ctx)
  if (left === undefined) return timeout
  if (left <= 0) throw deadlineError(ctx)
  return timeout === false ? left : Math.min(timeout, left)
}

/** The error of a call whose deadline passed. */
export function deadlineError(ctx: Context): TimeoutError {
  const request = summarize(ctx.request.method, ctx.request.peekUrl())
  const deadline = ctx.request.options.deadline ?? 0
  return new TimeoutError(`the call's deadline of ${deadline} ms passed (${request.method} ${request.url})`, {
    request,
    timeoutMs: deadline,
  })
}
