import { ConfigError } from '../../src/index.ts'

/**
 * `rateLimit({ adaptiveConcurrency })`: the number of calls in flight follows the server,
 * between `min` and `max`. Each settled call that was not refused for load raises the bound
 * by `1 / bound` (about one more per round trip); a 429, a 503 or a timed-out attempt halves
 * it, once per round trip (AIMD, as TCP's congestion control does).
 */
export interface AdaptiveConcurrency {
  /** The floor (default 1). */
  min?: number
  /** The ceiling (default the group's `concurrency`, else 64). */
  max?: number
  /** Where it starts (default `min(max, 8)`, and not below `min`). */
  initial?: number
}

/** Adaptive concurrency's bounds, checked. */
export interface AdaptiveSettings {
  readonly min: number
  readonly max: number
  readonly initial: number
}

const DEFAULT_MAX = 64
const DEFAULT_INITIAL = 8

function whole(value: unknown, name: string, where: string): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${where}: adaptiveConcurrency.${name} must be a whole number from 1, got ${String(value)}`)
  }
  return value
}

/**
 * Checks `adaptiveConcurrency` (`true` for the defaults) against the group's fixed
 * `concurrency`, which stays the ceiling; `undefined` when it is off.
 */
export function adaptiveSettings(
  option: boolean | AdaptiveConcurrency | undefined,
  concurrency: number,
  where: string,
): AdaptiveSettings | undefined {
  if (option === undefined || option === false) return undefined
  if (option !== true && (typeof option !== 'object' || option === null)) {
    throw new ConfigError(`${where}: adaptiveConcurrency must be true or { min, max, initial }, got ${String(option)}`)
  }
  const given = option === true ? {} : option
  for (const name of Object.keys(given)) {
    if (name !== 'min' && name !== 'max' && name !== 'initial') {
      throw new ConfigError(`${where}: adaptiveConcurrency has no option '${name}' (it takes min, max and initial)`)
    }
  }
  const min = whole(given.min, 'min', where) ?? 1
  const ceiling = Number.isFinite(concurrency) ? concurrency : DEFAULT_MAX
  const max = whole(given.max, 'max', where) ?? ceiling
  if (max > ceiling)
    throw new ConfigError(`${where}: adaptiveConcurrency.max (${max}) is above concurrency (${ceiling})`)
  if (min > max) throw new ConfigError(`${where}: adaptiveConcurrency.min (${min}) is above its max (${max})`)
  const initial = whole(given.initial, 'initial', where) ?? Math.max(min, Math.min(max, DEFAULT_INITIAL))
  if (initial < min || initial > max) {
    throw new ConfigError(`${where}: adaptiveConcurrency.initial (${initial}) is outside ${min}–${max}`)
  }
  return { min, max, initial }
}

/** The in-flight bound of one group under adaptive concurrency. */
export class AdaptiveLimit {
  readonly #settings: AdaptiveSettings
  /** The bound before rounding down: additive increase adds fractions. */
  #limit: number
  /** When the bound was last halved: a call released before it was in the same overload. */
  #decreasedAt = Number.NEGATIVE_INFINITY

  constructor(settings: AdaptiveSettings) {
    this.#settings = settings
    this.#limit = settings.initial
  }

  /** Calls allowed in flight now. */
  get current(): number {
    return Math.floor(this.#limit)
  }

  /**
   * A call released at `releasedAt` settled at `now`; `overloaded` when the server refused it
   * for load (429, 503) or it timed out. Returns whether `current` changed.
   */
  settled(releasedAt: number, now: number, overloaded: boolean): boolean {
    const before = this.current
    const { min, max } = this.#settings
    if (!overloaded) {
      this.#limit = Math.min(max, this.#limit + 1 / this.#limit)
    } else if (releasedAt >= this.#decreasedAt) {
      // Once per round trip: the calls already in flight when it was halved saw the same overload.
      this.#limit = Math.max(min, this.#limit / 2)
      this.#decreasedAt = now
    }
    return this.current !== before
  }
}
