import type { LimitedEvent, RetryEvent } from '../middleware/index.ts'
import type { Client } from '../src/index.ts'
import type { FailedCall } from './errors.ts'
import type { Log } from './log.ts'

/**
 * Waits up to this long are told only with `--verbose`: an attempt that failed within it and
 * a wait before the next attempt (a backoff, a `Retry-After`, a rate limit) no longer than it
 * pass too fast for a line to help. Anything longer is a pause a user notices, so it is told.
 */
export const QUIET_MS = 1_000

/**
 * What a run's clients do, told on stderr from their events, and the last call that failed,
 * for the final error line. Each attempt that fails and is retried is a line (`attempt 1 of 3
 * timed out after 10.0 s; retrying in 312 ms`) and so is each wait for a rate limit
 * (`waiting 2.4 s for the rate limit (server)`), as the wait starts, whenever the failed
 * attempt or the wait is longer than `QUIET_MS`; with `--verbose`, always, with a line per
 * call as it settles as well.
 */
export class Calls {
  readonly #log: Log
  readonly #maxAttempts: number
  readonly #now: () => number
  /** When each call's current attempt started (by the call's event id). */
  readonly #attemptStarts = new Map<number, number>()
  #lastFailure: FailedCall | undefined

  /**
   * @param maxAttempts The first attempt and the retries a call may have, for `attempt 1 of 3`.
   * @param now The clock, in ms (tests move their own).
   */
  constructor(log: Log, maxAttempts: number, now: () => number = () => performance.now()) {
    this.#log = log
    this.#maxAttempts = maxAttempts
    this.#now = now
  }

  /** The last call that settled, when it failed after at least one attempt; `undefined` once a later call succeeds. */
  get lastFailure(): FailedCall | undefined {
    return this.#lastFailure
  }

  /** Listens to `client`'s events. */
  watch(client: Client): void {
    client.on('request', (event) => {
      this.#attemptStarts.set(event.id, this.#now())
    })
    client.on('retry', (event) => this.#retrying(event))
    client.on('rateLimited', (event) => this.#waiting(event))
    client.on('response', (event) => {
      this.#attemptStarts.delete(event.id)
      this.#lastFailure =
        event.error !== undefined && event.attempts > 0
          ? { method: event.method, url: event.url, attempts: event.attempts, durationMs: event.durationMs }
          : undefined
      if (!this.#log.verbose) return
      const outcome = event.status === undefined ? (event.error?.name ?? 'no response') : String(event.status)
      const attempts = `${event.attempts} attempt${event.attempts === 1 ? '' : 's'}`
      const waited = Math.round(event.rateLimitWaitMs ?? 0)
      const ms = `${Math.round(event.durationMs)} ms${waited > 0 ? `, ${waited} ms of it waiting for the rate limit` : ''}`
      this.#log.line(`${event.method} ${event.url} → ${outcome} (cache ${event.cacheStatus}, ${attempts}, ${ms})`)
    })
  }

  #retrying(event: RetryEvent): void {
    const now = this.#now()
    const tookMs = now - (this.#attemptStarts.get(event.id) ?? now)
    // The next attempt starts once the wait is over (a rate limit may hold it longer still).
    this.#attemptStarts.set(event.id, now + event.delayMs)
    if (!this.#log.verbose && tookMs <= QUIET_MS && event.delayMs <= QUIET_MS) return
    const of = event.attempt < this.#maxAttempts ? ` of ${this.#maxAttempts}` : ''
    this.#log.line(
      `attempt ${event.attempt}${of} ${howItFailed(event, tookMs)}; retrying in ${duration(event.delayMs)}`,
    )
  }

  #waiting(event: LimitedEvent): void {
    if (event.waitMs > QUIET_MS) {
      this.#log.line(`waiting ${duration(event.waitMs)} for the rate limit (${event.reason})`)
      return
    }
    if (!this.#log.verbose) return
    // A wait for a concurrency slot, or behind other queued calls, has no schedule (waitMs 0):
    // the call's line says how long it was once it settles.
    const wait =
      event.waitMs > 0 ? duration(event.waitMs) : event.reason === 'concurrency' ? 'for a free slot' : 'for its turn'
    this.#log.line(`waiting ${wait} for the rate limit (${event.reason})`)
  }
}

function howItFailed(event: RetryEvent, tookMs: number): string {
  const after = `after ${duration(tookMs)}`
  if (event.status !== undefined) return `failed with HTTP ${event.status} ${after}`
  if (event.error?.name === 'TimeoutError') return `timed out ${after}`
  const code = (event.error as { code?: unknown } | undefined)?.code
  return `failed (${typeof code === 'string' ? code : (event.error?.name ?? 'no response')}) ${after}`
}

/** `312 ms` below a second, `2.4 s` from there. */
export function duration(ms: number): string {
  return Math.round(ms) < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`
}
