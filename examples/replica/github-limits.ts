import { epochSecondsCeil } from './http.ts'

/** GitHub's two primary-limit resources the replica keeps apart. */
export type Resource = 'core' | 'search'

/** A caller's quota in one resource. */
export interface Bucket {
  readonly limit: number
  remaining: number
  /** When the window ends (epoch ms), or `undefined` before the window's first counted request. */
  reset: number | undefined
}

/** Limits per resource and caller kind. */
export interface LimitSettings {
  readonly core: { readonly authenticated: number; readonly anonymous: number; readonly windowMs: number }
  readonly search: { readonly authenticated: number; readonly anonymous: number; readonly windowMs: number }
  /** Minimum spacing of two mutations by the same caller, in ms; 0 disables. */
  readonly mutationSpacingMs: number
}

/** The `x-ratelimit-*` headers of a bucket. */
export interface RateHeaders {
  readonly 'x-ratelimit-limit': string
  readonly 'x-ratelimit-remaining': string
  readonly 'x-ratelimit-reset': string
  readonly 'x-ratelimit-used': string
  readonly 'x-ratelimit-resource': Resource
}

/** The `{ limit, used, remaining, reset }` object of `GET /rate_limit`. */
export interface RateSummary {
  readonly limit: number
  readonly used: number
  readonly remaining: number
  readonly reset: number
}

/**
 * GitHub's rate limits as the replica keeps them, all read from `Date.now()`:
 *
 * - Primary limits, fixed windows per caller (a token, or `undefined` for every anonymous
 *   caller together) and resource. A window opens at the bucket's first counted request and
 *   lasts `windowMs`; once `Date.now()` reaches its end the bucket is full again.
 * - The secondary limit on mutations: a mutation closer than `mutationSpacingMs` to the
 *   caller's previous accepted mutation is refused.
 */
export class RateLimits {
  readonly #settings: LimitSettings
  readonly #buckets = new Map<string, Bucket>()
  readonly #lastMutation = new Map<string, number>()

  /** Starts with every bucket full. */
  constructor(settings: LimitSettings) {
    this.#settings = settings
  }

  /** The caller's bucket in `resource`, refilled first if its window has ended. */
  bucket(resource: Resource, token: string | undefined): Bucket {
    const key = `${resource}:${token === undefined ? '' : `token ${token}`}`
    const limits = this.#settings[resource]
    const limit = token === undefined ? limits.anonymous : limits.authenticated
    let bucket = this.#buckets.get(key)
    if (bucket === undefined || (bucket.reset !== undefined && Date.now() >= bucket.reset)) {
      bucket = { limit, remaining: limit, reset: undefined }
      this.#buckets.set(key, bucket)
    }
    return bucket
  }

  /** Counts one request against a bucket, opening its window if none is open. */
  consume(resource: Resource, bucket: Bucket): void {
    bucket.reset ??= Date.now() + this.#settings[resource].windowMs
    bucket.remaining = Math.max(0, bucket.remaining - 1)
  }

  /** Overwrites a caller's core bucket (tests: start near the end of a quota). */
  set(token: string | undefined, remaining: number, resetAt: number): void {
    const bucket = this.bucket('core', token)
    bucket.remaining = Math.max(0, remaining)
    bucket.reset = resetAt
  }

  /** When the bucket's window ends; for a bucket with no window yet, when one opened now would. */
  resetOf(resource: Resource, bucket: Bucket): number {
    return bucket.reset ?? Date.now() + this.#settings[resource].windowMs
  }

  /** The bucket as `GET /rate_limit` reports it. */
  summary(resource: Resource, bucket: Bucket): RateSummary {
    return {
      limit: bucket.limit,
      used: bucket.limit - bucket.remaining,
      remaining: bucket.remaining,
      reset: epochSecondsCeil(this.resetOf(resource, bucket)),
    }
  }

  /** The bucket's `x-ratelimit-*` headers. */
  headers(resource: Resource, bucket: Bucket): RateHeaders {
    const s = this.summary(resource, bucket)
    return {
      'x-ratelimit-limit': String(s.limit),
      'x-ratelimit-remaining': String(s.remaining),
      'x-ratelimit-reset': String(s.reset),
      'x-ratelimit-used': String(s.used),
      'x-ratelimit-resource': resource,
    }
  }

  /**
   * Whether a mutation by this caller may go ahead now under the secondary limit; an accepted
   * mutation is remembered as the caller's latest, a refused one is not.
   */
  acceptMutation(token: string | undefined): boolean {
    const spacing = this.#settings.mutationSpacingMs
    if (spacing <= 0) return true
    const key = token === undefined ? 'anonymous' : `token ${token}`
    const now = Date.now()
    const last = this.#lastMutation.get(key)
    if (last !== undefined && now - last < spacing) return false
    this.#lastMutation.set(key, now)
    return true
  }
}
