import { type Context, PlyError, TimeoutError } from '../../src/index.ts'

/** What one call through a breaker says about its origin. */
export type Outcome = 'success' | 'failure' | 'neutral'

/**
 * The outcome of a call that answered: a failure for a status `isFailure` names (5xx by
 * default); nothing for a 429, which is the rate limiter's business (the server is up and
 * said when to come back); a success otherwise.
 */
export function outcomeOfResponse(ctx: Context, isFailure: (status: number) => boolean): Outcome {
  const status = ctx.response?.status
  if (status === undefined || status === 429) return 'neutral'
  return isFailure(status) ? 'failure' : 'success'
}

/**
 * The outcome of a call that threw: a failure for a `NetworkError` (refused, reset, DNS) and
 * for an attempt's own `TimeoutError`; nothing for the rest: the caller's abort, a timeout cut
 * short by the call's deadline (the caller's budget, not the origin's speed), and errors of the
 * layers inside the breaker (a rate limit's refusal, a token endpoint's), which say nothing of
 * the origin.
 */
export function outcomeOfError(ctx: Context, error: unknown): Outcome {
  if (!(error instanceof PlyError)) return 'neutral'
  if (error.name === 'NetworkError') return 'failure'
  if (error instanceof TimeoutError) {
    // The transport's own test for a timeout that the deadline cut short.
    return ctx.deadline !== undefined && Date.now() >= ctx.deadline - 1 ? 'neutral' : 'failure'
  }
  return 'neutral'
}
