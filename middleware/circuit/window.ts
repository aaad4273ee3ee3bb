/** How many buckets a window is cut into: its counts age out a tenth at a time. */
const BUCKETS = 10

/**
 * The calls and failures of the last `windowMs`, in ten buckets, for a breaker's failure ratio.
 * Counting is two additions; a bucket older than the window is emptied as time reaches it.
 */
export class OutcomeWindow {
  readonly #bucketMs: number
  readonly #calls = new Array<number>(BUCKETS).fill(0)
  readonly #failures = new Array<number>(BUCKETS).fill(0)
  /** The bucket counted into now, as a number of `bucketMs` since the epoch. */
  #current = 0
  #totalCalls = 0
  #totalFailures = 0

  constructor(windowMs: number) {
    this.#bucketMs = Math.max(1, windowMs / BUCKETS)
  }

  /** Counts one call and whether it failed, at `now` (epoch ms). */
  add(failed: boolean, now: number): void {
    this.#advance(now)
    const at = this.#current % BUCKETS
    this.#calls[at] = (this.#calls[at] ?? 0) + 1
    this.#totalCalls += 1
    if (failed) {
      this.#failures[at] = (this.#failures[at] ?? 0) + 1
      this.#totalFailures += 1
    }
  }

  /** Whether at least `minCalls` calls were counted and `ratio` of them or more failed. */
  reached(ratio: number, minCalls: number): boolean {
    return this.#totalCalls >= minCalls && this.#totalFailures >= ratio * this.#totalCalls
  }

  /** Forgets every count: a breaker that closes starts a fresh window. */
  clear(): void {
    this.#calls.fill(0)
    this.#failures.fill(0)
    this.#totalCalls = 0
    this.#totalFailures = 0
  }

  /** Empties the buckets that time has moved past since the last count. */
  #advance(now: number): void {
    const bucket = Math.floor(now / this.#bucketMs)
    if (bucket === this.#current) return
    if (bucket - this.#current >= BUCKETS || bucket < this.#current) {
      // A quiet spell longer than the window (or a clock set back): nothing in it counts.
      this.clear()
    } else {
      for (let b = this.#current + 1; b <= bucket; b++) {
        const at = b % BUCKETS
        this.#totalCalls -= this.#calls[at] ?? 0
        this.#totalFailures -= this.#failures[at] ?? 0
        this.#calls[at] = 0
        this.#failures[at] = 0
      }
    }
    this.#current = bucket
  }
}
