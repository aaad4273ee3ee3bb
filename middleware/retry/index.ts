import pRetry from 'p-retry'
import {
  AbortError,
  ConfigError,
  type Context,
  HttpError,
  type Middleware,
  PlyError,
  RateLimitError,
  TimeoutError,
} from '../../src/index.ts'
import { rejectUnknownOptions, remainingTime, summarize } from '../../src/kit.ts'
import { CircuitOpenError } from '../circuit/error.ts'
import { RetryBudget } from './budget.ts'
import { backoff, serverDelay, sleep } from './delay.ts'
import {
  RETRY_CALL_OPTIONS,
  RETRY_CHOICE_OPTIONS,
  type RetryOptions,
  type RetrySettings,
  retrySettings,
} from './options.ts'

export type { RetryBudgetOptions, RetryCallOption, RetryEvent, RetryOptions } from './options.ts'

/** Carries a response with a retryable status through p-retry, which retries on throws. */
class RetryableResponse extends Error {
  readonly response: Response
  constructor(response: Response) {
    super(`HTTP ${response.status}`)
    this.response = response
  }
}

/**
 * Retries failed attempts, built on p-retry. An attempt is retried when it got a retryable
 * status (408, 425, 429, 500, 502, 503, 504 by default, and a 403 whose rate limit is
 * exhausted), or failed with a `NetworkError` or its per-attempt `TimeoutError`. An abort by
 * the caller is never retried, and neither is a method that is not idempotent (POST, PATCH)
 * unless the call opts in with `retry: true` or an `Idempotency-Key` header, or the answer is
 * one that `unprocessed` recognises as proof that the server did not act on the request.
 *
 * The wait is the server's when it names one (`Retry-After`, then an exhausted rate limit's
 * reset), else exponential backoff with full jitter. A server wait longer than
 * `maxRetryAfter` ends retrying (a 429 then rejects with a `RateLimitError` saying when to
 * come back), and so does a wait that would cross the call's `deadline`. A retry budget
 * keeps retries to a share of recent traffic, so an outage is not multiplied. When retrying
 * ends, the last response is the answer (an `HttpError` at the client's edge) or the last
 * error is thrown; either way `attemptCauses` lists what the earlier attempts failed with.
 *
 * A `CircuitOpenError` of a `circuitBreaker()` inside it is retried once the breaker may let a
 * call through (its `resetAt`), when that is within `maxRetryAfter` and the deadline; otherwise
 * it is the answer at once. The breaker sent nothing, so this holds for a POST or PATCH too
 * (unless the call said `retry: false`); after that attempt, such a call follows the method rule.
 *
 * Place it outside the circuit breaker, the rate limiter and auth, so that every attempt is
 * counted by the breaker, limited and signed.
 *
 * Its `close()` (what `client.close()` calls) ends the back-off waits under way with an
 * `AbortError`, and a call that fails afterwards is not retried: its last answer stands.
 */
export function retry(options: RetryOptions = {}): Middleware {
  const settings = retrySettings(options)
  const budget = settings.budget === false ? undefined : new RetryBudget(settings.budget)
  /** Aborted by `close()`: no back-off outlives it. */
  const closing = new AbortController()

  /**
   * Retries after a first attempt that failed with `first` (an error or a retryable response).
   * With `unprocessedOnly`, only answers that `settings.unprocessed` recognises are retried.
   */
  const retryAfterFirst = async (
    ctx: Context,
    next: () => Promise<void>,
    retries: number,
    first: unknown,
    unprocessedOnly = false,
  ) => {
    const retryable = unprocessedOnly
      ? (response: Response) => settings.unprocessed?.(response) === true
      : (response: Response) => isRetryableStatus(response, settings)
    const causes: (PlyError | HttpError)[] = []
    const request = () => summarize(ctx.request.method, ctx.request.peekUrl())
    try {
      await pRetry(
        async () => {
          if (first !== undefined) {
            const failure = first
            first = undefined
            throw failure
          }
          await next()
          const response = ctx.response
          if (response !== undefined && retryable(response)) throw new RetryableResponse(response)
        },
        {
          retries,
          // ply computes and waits the delay itself (in shouldRetry), so p-retry's own is 0.
          minTimeout: 0,
          maxTimeout: 0,
          ...(ctx.request.signal ? { signal: ctx.request.signal } : {}),
          shouldRetry: async ({ error, attemptNumber }) => {
            if (unprocessedOnly && !(error instanceof RetryableResponse || error instanceof CircuitOpenError)) {
              return false
            }
            let wait: number | undefined
            try {
              wait = plannedWait(ctx, error, attemptNumber, settings)
            } catch (limit) {
              // A rate limit that resets too late ends the call: free the connection the body holds.
              if (error instanceof RetryableResponse) await error.response.body?.cancel().catch(() => undefined)
              throw limit
            }
            if (wait === undefined || closing.signal.aborted || (budget !== undefined && !budget.tryRetry())) {
              return false
            }
            causes.push(causeOf(error, request))
            if (error instanceof RetryableResponse) await error.response.body?.cancel().catch(() => undefined)
            ctx.events.emit('retry', {
              attempt: attemptNumber,
              delayMs: wait,
              ...(error instanceof RetryableResponse
                ? { status: error.response.status }
                : { error: error as PlyError }),
            })
            const { signal } = ctx.request
            await sleep(
              wait,
              signal === undefined ? closing.signal : AbortSignal.any([signal, closing.signal]),
              request,
            )
            return true
          },
        },
      )
    } catch (error) {
      if (causes.length > 0) ctx.state.attemptCauses = causes
      if (error instanceof RetryableResponse) {
        ctx.response = error.response
        return
      }
      const signal = ctx.request.signal
      const final =
        signal?.aborted && !(error instanceof AbortError)
          ? new AbortError('the request was aborted', { cause: signal.reason, request: request() })
          : error
      if (final instanceof PlyError && causes.length > 0) final.attemptCauses = causes
      throw final
    }
    if (causes.length > 0) ctx.state.attemptCauses = causes
  }

  // Not async: the first attempt runs outside p-retry, because most calls succeed at once and
  // should pay for no retry machinery, and while it is out the call holds a callback, not a
  // frame. A failure is handed to p-retry as its first attempt's.
  const middleware: Middleware = (ctx, next) => {
    budget?.recordRequest()
    const retries = retriesFor(ctx, settings)
    if (retries === 0) {
      if (!mayRetryUnprocessed(ctx, settings)) return next()
      return next().then(
        () => {
          const response = ctx.response
          if (response === undefined || settings.unprocessed?.(response) !== true) return undefined
          return retryAfterFirst(ctx, next, settings.retries, new RetryableResponse(response), true)
        },
        // A breaker that refused the call sent nothing: even a POST may go again once it may.
        (error: unknown) =>
          error instanceof CircuitOpenError
            ? retryAfterFirst(ctx, next, settings.retries, error, true)
            : Promise.reject(error),
      )
    }
    return next().then(
      () => {
        const response = ctx.response
        if (response === undefined || !isRetryableStatus(response, settings)) return undefined
        return retryAfterFirst(ctx, next, retries, new RetryableResponse(response))
      },
      (error: unknown) => retryAfterFirst(ctx, next, retries, error),
    )
  }
  middleware.callOptions = RETRY_CALL_OPTIONS
  middleware.phase = 'retry'
  middleware.displayName = 'retry()'
  middleware.close = async () => {
    closing.abort(new Error('the client was closed (client.close())'))
  }
  return middleware
}

/** How many retries this call may make: 0 when its method or body rules retrying out. */
function retriesFor(ctx: Context, settings: RetrySettings): number {
  const { method, body, options } = ctx.request
  const choice = options.retry
  if (choice === false || body instanceof ReadableStream) return 0
  if (typeof choice === 'object' && choice !== null) {
    rejectUnknownOptions("a call's retry option", choice, RETRY_CHOICE_OPTIONS)
  }
  const optedIn = choice !== undefined || ctx.request.peekHeaders().has('idempotency-key')
  if (!settings.methods.has(method) && !optedIn) return 0
  if (typeof choice !== 'object' || choice.retries === undefined) return settings.retries
  if (!Number.isInteger(choice.retries) || choice.retries < 0) {
    throw new ConfigError(`retry: a call's retries must be a whole number ≥ 0, got ${String(choice.retries)}`)
  }
  return choice.retries
}

/**
 * Whether a call that its method keeps from retrying may still be retried after an answer that
 * proves the server did not act on it (or a breaker's refusal, which sent nothing): not when
 * the call made its own retry choice (`false`, or `{ retries: 0 }`), or its body is a stream
 * that cannot be sent twice.
 */
function mayRetryUnprocessed(ctx: Context, settings: RetrySettings): boolean {
  const { body, options } = ctx.request
  return options.retry === undefined && !(body instanceof ReadableStream) && settings.retries > 0
}

function isRetryableStatus(response: Response, settings: RetrySettings): boolean {
  if (settings.statuses.has(response.status)) return true
  // GitHub answers an exhausted primary rate limit with 403.
  return response.status === 403 && serverDelay(response, Date.now()) !== undefined
}

/**
 * The wait before the next attempt, or `undefined` when this failure ends retrying. Throws
 * a `RateLimitError` for a rate limit that resets later than `maxRetryAfter` allows.
 */
function plannedWait(ctx: Context, error: Error, attempt: number, settings: RetrySettings): number | undefined {
  if (error instanceof RetryableResponse) {
    const now = Date.now()
    const asked = serverDelay(error.response, now)
    if (asked !== undefined && asked > settings.maxRetryAfter) {
      const { status } = error.response
      if (status !== 429 && status !== 403) return undefined
      const resetAt = new Date(now + asked)
      throw new RateLimitError(`rate limited: the server asks to wait until ${resetAt.toISOString()}`, {
        request: summarize(ctx.request.method, ctx.request.peekUrl()),
        resetAt,
      })
    }
    return withinDeadline(ctx, asked ?? backoff(attempt, settings))
  }
  if (error instanceof CircuitOpenError) return circuitWait(ctx, error, attempt, settings)
  if (!(error instanceof PlyError) || error instanceof AbortError) return undefined
  const retryable = error.name === 'NetworkError' || (error instanceof TimeoutError && !deadlinePassed(ctx))
  return retryable ? withinDeadline(ctx, backoff(attempt, settings)) : undefined
}

/**
 * The wait before retrying a call that a circuit breaker refused (nothing was sent): until the
 * breaker may let a call through, a millisecond past it so that no clock finds it still open,
 * or the usual backoff while its probe is in flight. `undefined` (the refusal is the answer)
 * when that is longer than `maxRetryAfter` or would cross the deadline.
 */
function circuitWait(ctx: Context, error: CircuitOpenError, attempt: number, settings: RetrySettings) {
  const asked = error.resetAt.getTime() - Date.now()
  if (asked > settings.maxRetryAfter) return undefined
  return withinDeadline(ctx, asked > 0 ? asked + 1 : backoff(attempt, settings))
}

/** `wait`, or `undefined` when waiting it would cross the deadline. */
function withinDeadline(ctx: Context, wait: number): number | undefined {
  const left = remainingTime(ctx)
  return left === undefined || wait < left ? wait : undefined
}

function deadlinePassed(ctx: Context): boolean {
  const left = remainingTime(ctx)
  return left !== undefined && left <= 0
}

function causeOf(error: Error, request: () => ReturnType<typeof summarize>): PlyError | HttpError {
  if (error instanceof RetryableResponse) {
    const { status, statusText, headers } = error.response
    return new HttpError({ status, statusText, headers, data: undefined }, { request: request() })
  }
  return error as PlyError
}
