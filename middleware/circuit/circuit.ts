import type { CircuitReason, CircuitSettings, CircuitSnapshot, CircuitState } from './options.ts'
import type { FleetState } from './shared.ts'
import { OutcomeWindow } from './window.ts'

/** A change of a breaker's state, as the `circuit` event reports it. */
export interface Transition {
  readonly from: CircuitState
  readonly to: CircuitState
  readonly reason: CircuitReason
  readonly failures: number
  readonly openMs?: number | undefined
}

/**
 * The breaker of one key: closed, open or half-open, with its count of consecutive failures
 * and, with a failure ratio, its window. It holds no timer: the open time is a deadline that
 * the next call compares with the clock.
 */
export class Circuit {
  state: CircuitState = 'closed'
  /** Consecutive failures since the last success. */
  failures = 0
  /**
   * Bumped by every change of state. A call's outcome counts only for the state that let it
   * through: a slow call let through while closed says nothing about a later probe.
   */
  generation = 0
  /** While open: when a probe may go out (epoch ms). */
  openUntil = 0
  /**
   * Half-open: the probe is out. Open: the fleet's probe is being claimed (shared mode). Either
   * way, other calls are refused meanwhile.
   */
  probing = false
  /** Why it opened last. */
  openedFor: CircuitReason = 'failures'
  /** When this process last changed the state (epoch ms), to tell the fleet's older news from newer. */
  changedAt = 0
  /** The open time of the last opening; each failed probe doubles it, up to `maxOpenMs`. */
  #openMs: number
  readonly #window: OutcomeWindow | undefined

  /** The key, as the key function gave it. */
  readonly key: string
  readonly settings: CircuitSettings

  constructor(key: string, settings: CircuitSettings) {
    this.key = key
    this.settings = settings
    this.#openMs = settings.openMs
    this.#window = settings.failureRatio === undefined ? undefined : new OutcomeWindow(settings.windowMs)
  }

  /** A call let through in `generation` succeeded: a half-open breaker closes. */
  succeeded(generation: number): Transition | undefined {
    if (generation !== this.generation) return undefined
    if (this.state === 'half-open') return this.#close('probe-succeeded', Date.now())
    this.failures = 0
    this.#window?.add(false, Date.now())
    return undefined
  }

  /** A call let through in `generation` failed: it may open the breaker, or open it again. */
  failed(generation: number): Transition | undefined {
    if (generation !== this.generation) return undefined
    const now = Date.now()
    if (this.state === 'half-open') {
      this.#openMs = Math.min(this.settings.maxOpenMs, this.#openMs * 2)
      return this.#open('probe-failed', now, this.#openMs)
    }
    if (this.state !== 'closed') return undefined
    this.failures += 1
    if (this.failures >= this.settings.failures) return this.#open('failures', now, this.#openMs)
    const window = this.#window
    if (window === undefined) return undefined
    window.add(true, now)
    const { failureRatio = 1, minCalls } = this.settings
    return window.reached(failureRatio, minCalls) ? this.#open('ratio', now, this.#openMs) : undefined
  }

  /** A call whose outcome says nothing of the origin (a 429, an abort): a probe's slot is free again. */
  neutral(generation: number): void {
    if (generation === this.generation && this.state === 'half-open') this.probing = false
  }

  /** The open time has passed: this call goes out as the probe. */
  halfOpen(now: number): Transition {
    const from = this.state
    this.state = 'half-open'
    this.probing = true
    this.#changed(now)
    return { from, to: 'half-open', reason: 'probe', failures: this.failures }
  }

  /** Applies what another process said, when it is newer than this process's own last change. */
  adopt(fleet: FleetState, now: number): Transition | undefined {
    if (fleet.at <= this.changedAt) return undefined
    this.changedAt = fleet.at
    if (fleet.openUntil === 0) return this.state === 'closed' ? undefined : this.#close('shared', fleet.at)
    if (fleet.openUntil <= now) return undefined
    if (this.state === 'open') {
      this.openUntil = Math.max(this.openUntil, fleet.openUntil)
      return undefined
    }
    const from = this.state
    this.state = 'open'
    this.openedFor = 'shared'
    this.openUntil = fleet.openUntil
    this.probing = false
    this.generation += 1
    return { from, to: 'open', reason: 'shared', failures: this.failures, openMs: fleet.openUntil - now }
  }

  /** What `state()` reports, with the fleet's newer news taken into account (not applied). */
  snapshot(fleet: FleetState | undefined, now: number): CircuitSnapshot {
    const { key, failures } = this
    if (fleet !== undefined && fleet.at > this.changedAt) {
      if (fleet.openUntil === 0) return { key, state: 'closed', failures: 0, resetAt: undefined }
      if (fleet.openUntil > now && this.state !== 'open') {
        return { key, state: 'open', failures, resetAt: new Date(fleet.openUntil) }
      }
    }
    const resetAt = this.state === 'open' ? new Date(this.openUntil) : undefined
    return { key, state: this.state, failures, resetAt }
  }

  #open(reason: CircuitReason, now: number, ms: number): Transition {
    const from = this.state
    this.state = 'open'
    this.openedFor = reason
    this.openUntil = now + ms
    this.probing = false
    this.#changed(now)
    return { from, to: 'open', reason, failures: this.failures, openMs: ms }
  }

  #close(reason: CircuitReason, now: number): Transition {
    const from = this.state
    this.state = 'closed'
    this.failures = 0
    this.probing = false
    this.#openMs = this.settings.openMs
    this.#window?.clear()
    this.#changed(now)
    return { from, to: 'closed', reason, failures: 0 }
  }

  #changed(now: number): void {
    this.generation += 1
    this.changedAt = Math.max(this.changedAt, now)
  }
}
