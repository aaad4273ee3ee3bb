import { Circuit } from './circuit.ts'
import type { CircuitSettings } from './options.ts'

/**
 * The breakers of one `circuitBreaker()`, one per key, at most `maxKeys` of them: past that
 * the least recently used is dropped (a breaker dropped while open forgets it was open, the
 * price of a bound on a client that calls many origins).
 */
export class Circuits {
  /** In order of last use, the oldest first. */
  readonly #byKey = new Map<string, Circuit>()
  /** The breaker used last: a client that calls one origin finds it without touching the map. */
  #last: Circuit | undefined
  readonly #settings: CircuitSettings

  constructor(settings: CircuitSettings) {
    this.#settings = settings
  }

  /** The breaker of `key`, made on its first use and marked as used now. */
  get(key: string): Circuit {
    const last = this.#last
    if (last !== undefined && last.key === key) return last
    let circuit = this.#byKey.get(key)
    if (circuit === undefined) {
      circuit = new Circuit(key, this.#settings)
      if (this.#byKey.size >= this.#settings.maxKeys) {
        const oldest = this.#byKey.keys().next().value
        if (oldest !== undefined) this.#byKey.delete(oldest)
      }
    } else {
      this.#byKey.delete(key)
    }
    this.#byKey.set(key, circuit)
    this.#last = circuit
    return circuit
  }

  /** The breaker of `key` when there is one; does not count as a use. */
  peek(key: string): Circuit | undefined {
    return this.#byKey.get(key)
  }
}
