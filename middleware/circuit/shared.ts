// What `circuitBreaker({ shared })` needs from a store that shares breakers across processes.
// Only types live here: the implementation over Redis is in the Node-only entry
// `ply-http/redis` (`redisConnection()`), so that nothing of it loads without it.

/**
 * What the processes sharing a breaker last said about one key, as this process heard it.
 * Times are this process's clock (epoch ms): a message carries how long a breaker stays open,
 * not when, so clocks that disagree across machines do not matter.
 */
export interface FleetState {
  /** Until when another process opened the breaker; 0 when one closed it. */
  readonly openUntil: number
  /** When this process heard it. */
  readonly at: number
}

/** The answer to a claim of the fleet's one probe. */
export type ProbeClaim =
  /** This process sends the probe (also when the store cannot be reached: it fails safe, locally). */
  | { readonly probe: true }
  /**
   * Another process holds the breaker open for `openMs` more, or (`openMs` undefined) is
   * sending the probe right now.
   */
  | { readonly probe: false; readonly openMs: number | undefined }

/**
 * The breakers of one `circuitBreaker()`, shared with every process that uses the same id. A
 * store that cannot be reached never blocks a call: the breakers then work in this process
 * alone, and catch up when it is back.
 */
export interface SharedCircuits {
  /**
   * While this process first asks the store about `key` (its first call for that key, which
   * waits for it, bounded): that question; afterwards `undefined`.
   */
  firstLook(key: string): Promise<void> | undefined
  /** The last word of the other processes on `key`, as heard here; `undefined` when none. */
  fleet(key: string): FleetState | undefined
  /** Tells every process that this one opened `key` for `ms`. */
  opened(key: string, ms: number): void
  /** Tells every process that a probe of this one closed `key`. */
  closed(key: string): void
  /**
   * Asks for the fleet's one probe of `key`: granted to one process at a time (for at most
   * `ttlMs`, or until it reports the outcome), refused while another process holds the breaker
   * open or probes.
   */
  claimProbe(key: string, ttlMs: number): Promise<ProbeClaim>
  /** Closes the connections it opened (never a client you passed). */
  close(): Promise<void>
}

/**
 * What `circuitBreaker({ shared })` takes: `redisConnection({ url | client, id })` of
 * `ply-http/redis`. The breaker calls `sharedCircuits()` once and closes what it returns in its
 * own `close()`.
 */
export interface SharedCircuitsSource {
  /** Opens (lazily: nothing connects before the first call) the shared breakers of one `circuitBreaker()`. */
  sharedCircuits(): SharedCircuits
}
