import type { ServerResponse } from 'node:http'

/**
 * The held responses of the memory bench's `GET /slow`: each waits, unanswered, until
 * `release()` (the bench's `GET /release`) or until it has waited `safetyMs`, so that a
 * client that never releases cannot hang the bench.
 */
export class HeldResponses {
  readonly #held = new Set<ServerResponse>()
  readonly #safetyMs: number
  readonly #answer: (res: ServerResponse) => void
  /** How many responses the safety timeout answered rather than `release()`. */
  expired = 0

  /** `answer` sends a held response its reply; `safetyMs` is the longest any is held. */
  constructor(answer: (res: ServerResponse) => void, safetyMs: number) {
    this.#answer = answer
    this.#safetyMs = safetyMs
  }

  /** How many responses are held now. */
  get size(): number {
    return this.#held.size
  }

  /** Holds `res` until `release()`, its safety timeout, or its client going away. */
  hold(res: ServerResponse): void {
    this.#held.add(res)
    const timer = setTimeout(() => {
      if (!this.#held.delete(res)) return
      this.expired++
      this.#answer(res)
    }, this.#safetyMs)
    res.once('close', () => {
      clearTimeout(timer)
      this.#held.delete(res)
    })
  }

  /** Answers every held response; returns how many there were. */
  release(): number {
    const all = [...this.#held]
    this.#held.clear()
    for (const res of all) this.#answer(res)
    return all.length
  }
}
