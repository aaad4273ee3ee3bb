/**
 * A retry budget: over a sliding window, retries may add at most `ratio` of the requests
 * made, plus `minRetries`. Counts live in one-second buckets read on demand, so there is no
 * timer.
 */
export class RetryBudget {
  readonly #ratio: number
  readonly #minRetries: number
  readonly #requests: number[]
  readonly #retries: number[]
  #second = 0

  constructor(options: { ratio: number; windowMs: number; minRetries: number }) {
    this.#ratio = options.ratio
    this.#minRetries = options.minRetries
    const buckets = Math.ceil(options.windowMs / 1000)
    this.#requests = new Array<number>(buckets).fill(0)
    this.#retries = new Array<number>(buckets).fill(0)
  }

  /** Counts a call's first attempt. */
  recordRequest(): void {
    const slot = this.#advance()
    this.#requests[slot] = (this.#requests[slot] ?? 0) + 1
  }

  /** Takes one retry from the budget; `false` when it is spent. */
  tryRetry(): boolean {
    const slot = this.#advance()
    const requests = this.#requests.reduce((sum, n) => sum + n, 0)
    const retries = this.#retries.reduce((sum, n) => sum + n, 0)
    if (retries >= this.#minRetries + this.#ratio * requests) return false
    this.#retries[slot] = (this.#retries[slot] ?? 0) + 1
    return true
  }

  /** Moves the window to now, clearing the buckets of seconds that passed; returns now's bucket. */
  #advance(): number {
    const now = Math.floor(Date.now() / 1000)
    const size = this.#requests.length
    const passed = Math.min(now - this.#second, size)
    for (let i = 1; i <= passed; i++) {
      const slot = (this.#second + i) % size
      this.#requests[slot] = 0
      this.#retries[slot] = 0
    }
    this.#second = now
    return now % size
  }
}
