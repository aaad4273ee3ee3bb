import type { Quota } from '../../src/index.ts'
import type { Observation, Policy } from './learn.ts'
import type { LimitReason } from './options.ts'
import { SlidingWindow } from './window.ts'

/** Why a request cannot start now, and when it could. */
export interface Block {
  readonly at: number
  readonly reason: LimitReason
}

const NO_WINDOWS: readonly SlidingWindow[] = []

/** A gate that obeys a `Taught`: told when the taught state changes, asked what its windows allow. */
export interface Obeying {
  /** Starts what may start now, after the taught state changed. */
  wake(): void
  /** How many starts the gate's configured windows allow in `ms`; infinite without windows. */
  allowedIn(ms: number): number
  /** Calls of the gate in flight (granted, not settled). */
  readonly active: number
}

/**
 * What a server taught about one quota: a pause until a reset or a `Retry-After`, a pace that
 * spreads a short quota until its reset, the windows of its `RateLimit-Policy`, and the last
 * limit, remaining and reset it announced. Every group whose requests count against that
 * quota obeys the same `Taught` (`sharesQuotaWith`), and a response in any of them teaches it;
 * each group keeps its own configured windows and concurrency. Times are the gates' clock
 * (`performance.now()`).
 */
export class Taught {
  #pausedUntil = 0
  #paceMs = 0
  #paceUntil = 0
  /** The last start counted against this quota, in any group that obeys it. */
  #lastStart = Number.NEGATIVE_INFINITY
  #learned: SlidingWindow[] = []
  #quota: Quota = { limit: undefined, remaining: undefined, reset: undefined }
  readonly #gates = new Set<Obeying>()

  /** Adds a gate that obeys this quota. */
  join(gate: Obeying): void {
    this.#gates.add(gate)
  }

  /** What the server last said about the quota. */
  get quota(): Quota {
    return this.#quota
  }

  /** The windows of the policies the server announced. */
  get learned(): readonly SlidingWindow[] {
    return this.#learned
  }

  get pausedUntil(): number {
    return this.#pausedUntil
  }

  get lastStart(): number {
    return this.#lastStart
  }

  /** A pause the server asked for, or a pace that holds a start at `now`; `undefined` when neither does. */
  blocked(now: number): Block | undefined {
    if (this.#pausedUntil > now) return { at: this.#pausedUntil, reason: 'server' }
    const paced = this.pacedUntil(now, this.#lastStart)
    return paced > now ? { at: paced, reason: 'pace' } : undefined
  }

  /** When the pace lets a start happen, not before `now`, after a start at `lastStart`. */
  pacedUntil(now: number, lastStart: number): number {
    return this.#paceUntil > now && lastStart + this.#paceMs > now ? lastStart + this.#paceMs : now
  }

  /**
   * Counts a start at `at`: returns the learned windows it was recorded in, which its settle
   * must reach (a policy learned meanwhile replaces them, not the call's place in them).
   */
  started(at: number): readonly SlidingWindow[] {
    this.#lastStart = at
    // The fast path allocates nothing for a quota without policies (the common case).
    if (this.#learned.length === 0) return NO_WINDOWS
    for (const window of this.#learned) window.record()
    return this.#learned
  }

  /** A start counted at `recorded` really left at `actual`. */
  departed(recorded: number, actual: number): void {
    if (this.#lastStart === recorded) this.#lastStart = actual
  }

  /** Holds every obeying group until `at` (a pause another process learned). */
  holdUntil(at: number): void {
    if (at <= this.#pausedUntil) return
    this.#pausedUntil = at
    this.#wake()
  }

  /**
   * Learns from a response (`observation` in `Date.now()` time, read at `wallNow`; `now` on the
   * gates' clock). Returns the ms the pause now lasts when this observation lengthened it.
   */
  learn(observation: Observation, wallNow: number, now: number): number | undefined {
    const { limit, remaining, resetAt: wallResetAt, retryAt: wallRetryAt, policies } = observation
    const toGate = (wall: number | undefined) => (wall === undefined ? undefined : now + (wall - wallNow))
    const resetAt = toGate(wallResetAt)
    const retryAt = toGate(wallRetryAt)
    if (limit !== undefined || remaining !== undefined || resetAt !== undefined) {
      this.#quota = {
        limit: limit ?? this.#quota.limit,
        remaining: remaining ?? this.#quota.remaining,
        reset: wallResetAt === undefined ? this.#quota.reset : new Date(wallResetAt),
      }
    }
    const pausedBefore = this.#pausedUntil
    if (retryAt !== undefined && retryAt > now) this.#pausedUntil = Math.max(this.#pausedUntil, retryAt)
    if (remaining === 0 && resetAt !== undefined && resetAt > now) {
      this.#pausedUntil = Math.max(this.#pausedUntil, resetAt)
    } else if (remaining !== undefined && remaining > 0 && resetAt !== undefined && resetAt > now) {
      this.#paceIfShort(remaining, resetAt, now)
    }
    if (policies !== undefined) this.#learnPolicies(policies, now)
    this.#wake()
    return this.#pausedUntil > pausedBefore ? this.#pausedUntil - now : undefined
  }

  /**
   * Spreads the remaining quota evenly until the reset when it is less than the configured
   * windows of the groups that obey it would allow in that time. A group without windows
   * allows any number: then only a spent quota (a pause) slows them down.
   */
  #paceIfShort(remaining: number, resetAt: number, now: number): void {
    const left = resetAt - now
    let allowed = 0
    for (const gate of this.#gates) allowed += gate.allowedIn(left)
    if (Number.isFinite(allowed) && remaining < allowed) {
      this.#paceMs = left / remaining
      this.#paceUntil = resetAt
    } else {
      this.#paceUntil = 0
    }
  }

  /**
   * The announced policies become windows; one already known keeps the calls it counted. A new
   * one counts the calls in flight (the one that taught it among them) as settled now: they
   * were released before it existed, and the server counts them in its window too.
   */
  #learnPolicies(announced: readonly Policy[], now: number): void {
    const policies = announced.filter(
      (p, i) => announced.findIndex((q) => q.limit === p.limit && q.windowMs === p.windowMs) === i,
    )
    const same =
      policies.length === this.#learned.length &&
      policies.every((p, i) => this.#learned[i]?.limit === p.limit && this.#learned[i]?.durationMs === p.windowMs)
    if (same) return
    let inFlight = 0
    for (const gate of this.#gates) inFlight += gate.active
    this.#learned = policies.map((p) => {
      const known = this.#learned.find((w) => w.limit === p.limit && w.durationMs === p.windowMs)
      if (known !== undefined) return known
      const window = new SlidingWindow(p.limit, p.windowMs)
      for (let i = 0; i < Math.min(inFlight, p.limit); i++) window.count(now)
      return window
    })
  }

  #wake(): void {
    for (const gate of this.#gates) gate.wake()
  }
}
