import type { Observation } from './learn.ts'
import type { GroupSettings, LimitReason } from './options.ts'
import { SlidingWindow } from './window.ts'

/** A granted start. */
export interface Ticket {
  /**
   * Marks the moment the request really leaves. Between a grant and the departure the event
   * loop may run many other granted requests; the windows count from the later time, so the
   * starts the server sees keep to the limit too.
   */
  depart(): void
  /** Gives back the concurrency slot; calling it more than once does nothing. */
  release(): void
}

/** Monotonic, sub-millisecond time for every schedule here; server times are converted once. */
const now = (): number => performance.now()

/** What the server last said about a group's quota. */
export interface Quota {
  readonly limit: number | undefined
  readonly remaining: number | undefined
  readonly reset: Date | undefined
}

/** A request waiting for its turn. */
interface Waiter {
  readonly priority: number
  readonly order: number
  readonly resolve: (ticket: Ticket) => void
}

/** Why a request cannot start now, and when it could. */
export interface Block {
  readonly at: number
  readonly reason: LimitReason
}

/**
 * One group's limiter: sliding windows, a concurrency bound, and what the server taught (a
 * pause until a reset, or a pace that spreads the remaining quota). A request that may start
 * now starts at once, without a timer or a queue (the fast path). Otherwise it waits in a
 * priority queue (FIFO within a priority), woken by one timer at the earliest time the head
 * can start; the timer exists only while something waits.
 */
export class Gate {
  readonly #windows: SlidingWindow[]
  readonly #concurrency: number
  readonly maxQueue: number
  readonly #queue: Waiter[] = []
  #active = 0
  #order = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #pausedUntil = 0
  #paceMs = 0
  #paceUntil = 0
  #lastStart = Number.NEGATIVE_INFINITY
  #learned: SlidingWindow | undefined
  #quota: Quota = { limit: undefined, remaining: undefined, reset: undefined }

  constructor(settings: GroupSettings) {
    this.#windows = settings.windows.map((window) => new SlidingWindow(window.limit, window.durationMs))
    this.#concurrency = settings.concurrency
    this.maxQueue = settings.maxQueue
  }

  /** Requests waiting. */
  get waiting(): number {
    return this.#queue.length
  }

  /** What the server last said about this group's quota. */
  get quota(): Quota {
    return this.#quota
  }

  /** Starts now if nothing stands in the way and nobody waits; `undefined` otherwise. */
  tryStart(): Ticket | undefined {
    if (this.#queue.length > 0) return undefined
    const at = now()
    return this.blocked(at) === undefined ? this.#start(at) : undefined
  }

  /** The current time on this gate's clock (`performance.now()`). */
  static now(): number {
    return now()
  }

  /** What keeps a request from starting at `now`, or `undefined` when nothing does. */
  blocked(now: number): Block | undefined {
    if (this.#active >= this.#concurrency) return { at: Number.POSITIVE_INFINITY, reason: 'concurrency' }
    if (this.#pausedUntil > now) return { at: this.#pausedUntil, reason: 'server' }
    if (this.#paceUntil > now && this.#lastStart + this.#paceMs > now) {
      return { at: this.#lastStart + this.#paceMs, reason: 'pace' }
    }
    let at = now
    for (const window of this.#windows) at = Math.max(at, window.nextFree(now))
    if (this.#learned !== undefined) at = Math.max(at, this.#learned.nextFree(now))
    return at > now ? { at, reason: 'window' } : undefined
  }

  /** Queues a request; `resolve` is called with its release when it starts. Returns a cancel. */
  enqueue(priority: number, resolve: (ticket: Ticket) => void): () => void {
    const waiter: Waiter = { priority, order: this.#order++, resolve }
    // Higher priority first, FIFO within one: insert after the last waiter that goes first.
    let index = this.#queue.length
    while (index > 0 && (this.#queue[index - 1] as Waiter).priority < priority) index -= 1
    this.#queue.splice(index, 0, waiter)
    this.#pump()
    return () => {
      const at = this.#queue.indexOf(waiter)
      if (at === -1) return
      this.#queue.splice(at, 1)
      this.#pump()
    }
  }

  /**
   * Learns from a response (`observation` in `Date.now()` time, read at `wallNow`): a pause
   * until the quota resets, or a pace that spreads it.
   */
  learn(observation: Observation, wallNow: number): void {
    const { limit, remaining, resetAt: wallResetAt, retryAt: wallRetryAt, policy } = observation
    const current = now()
    const toGate = (wall: number | undefined) => (wall === undefined ? undefined : current + (wall - wallNow))
    const resetAt = toGate(wallResetAt)
    const retryAt = toGate(wallRetryAt)
    if (limit !== undefined || remaining !== undefined || resetAt !== undefined) {
      this.#quota = {
        limit: limit ?? this.#quota.limit,
        remaining: remaining ?? this.#quota.remaining,
        reset: wallResetAt === undefined ? this.#quota.reset : new Date(wallResetAt),
      }
    }
    if (retryAt !== undefined && retryAt > current) this.#pausedUntil = Math.max(this.#pausedUntil, retryAt)
    if (remaining === 0 && resetAt !== undefined && resetAt > current) {
      this.#pausedUntil = Math.max(this.#pausedUntil, resetAt)
    } else if (remaining !== undefined && remaining > 0 && resetAt !== undefined && resetAt > current) {
      this.#paceIfShort(remaining, resetAt, current)
    }
    if (
      policy !== undefined &&
      (this.#learned?.limit !== policy.limit || this.#learned.durationMs !== policy.windowMs)
    ) {
      this.#learned = new SlidingWindow(policy.limit, policy.windowMs)
    }
    this.#pump()
  }

  /**
   * Spreads the remaining quota evenly until the reset when it is less than the configured
   * windows would allow in that time. Without configured windows there is nothing to compare
   * with, and only an exhausted quota (a pause) slows the group down.
   */
  #paceIfShort(remaining: number, resetAt: number, now: number): void {
    const left = resetAt - now
    if (this.#windows.length === 0) return
    let allowed = Number.POSITIVE_INFINITY
    for (const window of this.#windows) allowed = Math.min(allowed, window.limit * Math.ceil(left / window.durationMs))
    if (remaining < allowed) {
      this.#paceMs = left / remaining
      this.#paceUntil = resetAt
    } else {
      this.#paceUntil = 0
    }
  }

  #start(at: number): Ticket {
    const windows = this.#learned === undefined ? this.#windows : [...this.#windows, this.#learned]
    const slots = windows.map((window) => window.record(at))
    this.#lastStart = at
    this.#active += 1
    let released = false
    return {
      depart: () => {
        const actual = now()
        windows.forEach((window, i) => {
          window.restamp(slots[i] as number, at, actual)
        })
        if (this.#lastStart === at) this.#lastStart = actual
      },
      release: () => {
        if (released) return
        released = true
        this.#active -= 1
        this.#pump()
      },
    }
  }

  /** Starts every waiter that may start now, then sets one timer for the next, if any. */
  #pump(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    for (;;) {
      const head = this.#queue[0]
      if (head === undefined) return
      const at = now()
      const block = this.blocked(at)
      if (block === undefined) {
        this.#queue.shift()
        head.resolve(this.#start(at))
        continue
      }
      // Blocked on concurrency: a release pumps again; no timer needed.
      if (Number.isFinite(block.at)) this.#timer = setTimeout(() => this.#pump(), Math.ceil(block.at - at))
      return
    }
  }
}
