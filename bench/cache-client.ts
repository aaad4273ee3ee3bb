import type { BenchClient } from './clients.ts'

/** The route the cache bench asks for: the payload, cacheable for an hour, with an ETag. */
export const CACHED_PATH = '/cached'

/** One client of the cache bench: `call` makes one GET /cached and resolves to the parsed body. */
export interface CacheClient extends BenchClient {
  /** `false` for the baseline, which makes a real round trip on every call. */
  readonly cached: boolean
  /** One more call, resolving to `true` when the client itself says its cache answered. */
  readonly reportsHit?: () => Promise<boolean>
  /** Drops what the client piles up per call; run between turns, outside the timed part. */
  readonly afterTurn?: () => void
}

/** A client the bench could not run, and why (shown in the output). */
export interface Skipped {
  readonly name: string
  readonly reason: string
}

/** Builds one client against the server at `baseUrl`, or says why it cannot. */
export type ClientMaker = (baseUrl: string) => Promise<CacheClient | Skipped>

/** Whether `made` is a skipped client. */
export function isSkipped(made: CacheClient | Skipped): made is Skipped {
  return 'reason' in made
}
