import { AbortError, type RequestSummary } from '../../src/index.ts'
import { parseHttpDate } from '../shared/http-date.ts'
import type { RetrySettings } from './options.ts'

/**
 * The backoff before retry number `retry` (from 1): exponential with full jitter, a random
 * wait between 0 and `min(maxDelay, minDelay × factor^(retry − 1))`, so that clients that
 * failed together do not come back together.
 */
export function backoff(retry: number, settings: RetrySettings): number {
  const ceiling = Math.min(settings.maxDelay, settings.minDelay * settings.factor ** (retry - 1))
  return Math.round(Math.random() * ceiling)
}

/** A `Retry-After` value (RFC 9110 §10.2.3: delta-seconds or an HTTP-date) in ms from `now`. */
export function retryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = parseHttpDate(trimmed, now)
  return at === undefined ? undefined : Math.max(0, at - now)
}

/**
 * When a rate limit that says it is exhausted resets, in ms from `now`: the IETF `RateLimit`
 * field (`r=0;t=<seconds>`, or the older `remaining=0, reset=<seconds>`), `RateLimit-Reset`
 * (seconds), or GitHub's `X-RateLimit-Reset` (epoch seconds) with `X-RateLimit-Remaining: 0`.
 */
export function rateLimitReset(headers: Headers, now: number): number | undefined {
  const field = headers.get('ratelimit')
  if (field !== null) {
    const remaining = /(?:^|[;,\s])(?:r|remaining)=(\d+)/.exec(field)?.[1]
    const reset = /(?:^|[;,\s])(?:t|reset)=(\d+)/.exec(field)?.[1]
    if (remaining === '0' && reset !== undefined) return Number(reset) * 1000
  }
  if (headers.get('ratelimit-remaining') === '0') {
    const reset = headers.get('ratelimit-reset')
    if (reset !== null && /^\d+$/.test(reset.trim())) return Number(reset) * 1000
  }
  if (headers.get('x-ratelimit-remaining') === '0') {
    const reset = headers.get('x-ratelimit-reset')
    if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - now)
  }
  return undefined
}

/** The wait a response asks for: `Retry-After` first, then an exhausted rate limit's reset. */
export function serverDelay(response: Response, now: number): number | undefined {
  return retryAfter(response.headers.get('retry-after'), now) ?? rateLimitReset(response.headers, now)
}

/**
 * Waits `ms`, or rejects with an `AbortError` as soon as `signal` aborts; the timer is
 * cleared either way, so none is left behind.
 */
export function sleep(ms: number, signal: AbortSignal | undefined, request: () => RequestSummary): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () =>
      new AbortError('the request was aborted while waiting to retry', { cause: signal?.reason, request: request() })
    if (signal?.aborted) {
      reject(aborted())
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(aborted())
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
