/**
 * A sliding window: at most `limit` starts in any `durationMs`. It keeps the last `limit`
 * start times in a ring (grown as starts come, so a large limit costs memory only when used),
 * so checking and recording are O(1): one more start fits at `t` when the oldest of them is
 * at least `durationMs` before `t`. Times are `performance.now()` milliseconds: monotonic and
 * finer than a millisecond, so a slot used at `t + 0.9` is not free again at `t + 1000`.
 */
export class SlidingWindow {
  readonly limit: number
  readonly durationMs: number
  readonly #starts: number[] = []
  #oldest = 0

  constructor(limit: number, durationMs: number) {
    this.limit = limit
    this.durationMs = durationMs
  }

  /** The earliest time, not before `now`, at which one more start fits. */
  nextFree(now: number): number {
    if (this.#starts.length < this.limit) return now
    return Math.max(now, (this.#starts[this.#oldest] as number) + this.durationMs)
  }

  /**
   * `nextFree` as it would be after the recorded starts were followed by `planned` (times in
   * order, none before the recorded ones): for predicting a wait without touching the window.
   * O(1): the start that leaves the window first is found by its place in that sequence.
   */
  nextFreeAfter(now: number, planned: readonly number[]): number {
    const recorded = this.#starts.length
    const oldest = recorded + planned.length - this.limit
    if (oldest < 0) return now
    // Until the ring is full #oldest is 0, so this indexes the starts in the order they came.
    const at = oldest < recorded ? this.#starts[(this.#oldest + oldest) % recorded] : planned[oldest - recorded]
    return Math.max(now, (at as number) + this.durationMs)
  }

  /** Records a start at `now`; returns its slot, for `restamp`. */
  record(now: number): number {
    if (this.#starts.length < this.limit) {
      this.#starts.push(now)
      return this.#starts.length - 1
    }
    const slot = this.#oldest
    this.#starts[slot] = now
    this.#oldest = (slot + 1) % this.limit
    return slot
  }

  /**
   * Moves a start recorded at `recorded` to the later time `actual` (when the request really
   * left), unless a newer start has taken its slot since.
   */
  restamp(slot: number, recorded: number, actual: number): void {
    if (this.#starts[slot] === recorded && actual > recorded) this.#starts[slot] = actual
  }
}
