import { PlyError, type RequestSummary } from '../../src/index.ts'

/**
 * A circuit breaker refused the call: its origin (or route) failed too often, and nothing was
 * sent. `resetAt` and `retryAfterMs` say when the breaker may let a call through again: when
 * it is open, the end of its open time; while one probe is in flight (half-open), now, since
 * it closes as soon as the probe succeeds. `retry()` waits for that when it can (see
 * docs/circuit-breaker.md).
 *
 * A `PlyError`, not a `RateLimitError`: the server set no limit and said nothing; ply stopped
 * calling an origin that was failing. Code that backs off on `RateLimitError` should not read
 * an outage as a quota.
 */
export class CircuitOpenError extends PlyError {
  override name = 'CircuitOpenError'
  /** The breaker's key (the origin by default), with registered secrets masked. */
  readonly key: string
  /** `'open'`, or `'half-open'` while a probe is in flight. */
  readonly state: 'open' | 'half-open'
  /** When the breaker may let a call through. */
  readonly resetAt: Date
  /** How long from when the error was made until `resetAt`, in ms (0 while a probe is in flight). */
  readonly retryAfterMs: number

  constructor(
    message: string,
    options: {
      key: string
      state: 'open' | 'half-open'
      resetAt: Date
      retryAfterMs: number
      request?: RequestSummary | undefined
      cause?: unknown
    },
  ) {
    super(message, options)
    this.key = options.key
    this.state = options.state
    this.resetAt = options.resetAt
    this.retryAfterMs = options.retryAfterMs
  }
}
