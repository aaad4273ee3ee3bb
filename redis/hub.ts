// What the limiters of one `sharedLimiters()` and their connections tell each other.
import type { RateLimitError } from '../src/index.ts'
import type { Link } from './connection.ts'

/** What the limiters of one `sharedLimiters()` share: its connections and its errors. */
export interface Hub {
  /** How long a call waits for a reachable Redis, in ms. */
  readonly connectTimeout: number
  /** The Redis, named for messages without its password. */
  readonly where: string
  /** Tells this process's leases from those of the others. */
  readonly tag: string
  closed(): boolean
  /** The connections, once open. */
  link(): Link | undefined
  /** Opens the connections if they are not open or opening. */
  ensureLink(): void
  /** A call is under way (its settle included); `letGo()` when it is over. */
  hold(): void
  letGo(): void
  onError(error: unknown): void
  lastError(): Error | undefined
  unreachable(): RateLimitError
  notSent(what: string): RateLimitError
}

/** One group's limiter on the shared connections: what the connections report to it. */
export interface Member {
  /** The connections are (back) up: re-add this process's calls if needed, then admit. */
  up(): void
  /** The connection was lost: the calls not started fail. */
  lost(): void
  /** The connections could not be opened. */
  unreachable(): void
  /** Fails every call not yet started, and waits (bounded) for the running ones to settle. */
  close(): Promise<void>
}
