/**
 * A sliding window as the server counts it: at most `limit` calls in any `durationMs` of
 * **arrivals**. A call cannot arrive before it is released nor after it settles (its
 * response's headers came, or it failed), so the window holds a call from its release until
 * it settles (in flight), and counts it from its settle time after that. Then no window of
 * arrivals at the server ever holds more than `limit`, whatever the delay between release and
 * arrival (a new connection, a TLS handshake): of `limit + 1` arrivals within `durationMs`, the
 * one released last found each of the others in flight or settled within `durationMs` before
 * its release, and so could not start. The price is the round trip: `limit` calls per
 * `durationMs` plus one round trip (docs/decisions.md).
 *
 * Settle times come in order (they are read from a monotonic clock when each call settles), so
 * they are kept in a ring of at most `limit` entries: checking is O(1), and a large limit costs
 * memory only as it is used. Times are `performance.now()` milliseconds.
 */
export class SlidingWindow {
  readonly limit: number
  readonly durationMs: number
  /** Calls released and not yet settled. */
  #inFlight = 0
  /** Settle times, oldest at `#head`; `#size` of them, some perhaps out of the window already. */
  readonly #settled: number[] = []
  #head = 0
  #size = 0

  constructor(limit: number, durationMs: number) {
    this.limit = limit
    this.durationMs = durationMs
  }

  /** Calls released and not yet settled. */
  get inFlight(): number {
    return this.#inFlight
  }

  /**
   * The earliest time, not before `now`, at which one more call fits: `now`, a settle time plus
   * the window, or `Infinity` while the calls in flight alone fill it (a settle frees it).
   */
  nextFree(now: number): number {
    this.#expire(now)
    const excess = this.#inFlight + this.#size - this.limit
    if (excess < 0) return now
    // The calls in flight settle at unknown times: only settled ones can leave the window.
    if (excess >= this.#size) return Number.POSITIVE_INFINITY
    return Math.max(now, this.#at(excess) + this.durationMs)
  }

  /**
   * `nextFree` at `now` (a predicted time) as it would be after the calls in flight settled at
   * `inFlightSettle` and the `planned` releases (times in order) each settled one round trip
   * after it: for predicting a wait without touching the window. O(1) but for the settle
   * times `now` expires: in that sequence the settled times come first, then those in flight,
   * then the planned ones.
   */
  nextFreeAfter(now: number, planned: readonly number[], inFlightSettle: number, roundTripMs: number): number {
    // `now` may be a predicted time: the settle times it would expire are skipped, not dropped.
    let gone = 0
    while (gone < this.#size && this.#at(gone) + this.durationMs <= now) gone += 1
    const settled = this.#size - gone
    const oldest = settled + this.#inFlight + planned.length - this.limit
    if (oldest < 0) return now
    let at: number
    if (oldest < settled) at = this.#at(gone + oldest)
    else if (oldest < settled + this.#inFlight) at = inFlightSettle
    else at = (planned[oldest - settled - this.#inFlight] as number) + roundTripMs
    return Math.max(now, at + this.durationMs)
  }

  /** Counts a call released now: it is in flight until `settle`. */
  record(): void {
    this.#inFlight += 1
  }

  /** A call `record`ed earlier settled at `now` (its answer came, or it failed). */
  settle(now: number): void {
    if (this.#inFlight === 0) return
    this.#inFlight -= 1
    this.count(now)
  }

  /** Counts a call that settled at `now` (the latest settle time so far) without a `record`. */
  count(now: number): void {
    this.#expire(now)
    // A full ring means every entry is in the window with a call in flight: more than the
    // limit allows, which admission prevents; drop the oldest rather than grow past it.
    if (this.#size === this.limit) this.#drop()
    this.#settled[(this.#head + this.#size) % this.limit] = now
    this.#size += 1
  }

  /** The `index`-th oldest settle time still held. */
  #at(index: number): number {
    return this.#settled[(this.#head + index) % this.limit] as number
  }

  /** Drops the settle times that left the window by `now`. */
  #expire(now: number): void {
    while (this.#size > 0 && this.#at(0) + this.durationMs <= now) this.#drop()
  }

  #drop(): void {
    this.#head = (this.#head + 1) % this.limit
    this.#size -= 1
  }
}
