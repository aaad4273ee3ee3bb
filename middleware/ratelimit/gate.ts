import type { Quota } from '../../src/index.ts'
import { AdaptiveLimit } from './adaptive.ts'
import type { Observation } from './learn.ts'
import type { GroupSettings, LimitReason } from './options.ts'
import { type Block, type Obeying, Taught } from './taught.ts'
import { SlidingWindow } from './window.ts'

export type { Block } from './taught.ts'

/** A granted start. */
export interface Ticket {
  /**
   * Marks the moment the request really leaves: a server-taught pace spaces the next start
   * from it (between a grant and the departure the event loop may run other granted requests).
   */
  depart(): void
  /**
   * The call settled (its answer came, or it failed): its windows count it from now on, and
   * its concurrency slot is given back. `overloaded` when the server refused it for load (429,
   * 503) or it timed out, which adaptive concurrency reads. Returns the change of the bound of
   * calls in flight this made, if any. Calling it more than once does nothing.
   */
  release(overloaded?: boolean): ConcurrencyChange | undefined
}

/** A bound of calls in flight that adaptive concurrency moved. */
export interface ConcurrencyChange {
  readonly previous: number
  readonly limit: number
}

/** Monotonic, sub-millisecond time for every schedule here; server times are converted once. */
const now = (): number => performance.now()

/** A request waiting for its turn. */
interface Waiter {
  readonly priority: number
  readonly order: number
  readonly resolve: (ticket: Ticket) => void
}

/**
 * One group's limiter: sliding windows, a concurrency bound, and what the server taught (a
 * `Taught`, which groups sharing a quota share: a pause until a reset, or a pace that spreads
 * the remaining quota). A request that may start now starts at once, without a timer or a
 * queue (the fast path). Otherwise it waits in a priority queue (FIFO within a priority), woken
 * by one timer at the earliest time the head can start; the timer exists only while something
 * waits.
 */
export class Gate implements Obeying {
  readonly #windows: SlidingWindow[]
  /** Calls allowed in flight: the configured bound, or adaptive concurrency's current one. */
  #concurrency: number
  readonly #adaptive: AdaptiveLimit | undefined
  readonly maxQueue: number
  readonly #taught: Taught
  readonly #queue: Waiter[] = []
  #active = 0
  #order = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  /** Release to settle, smoothed over the last calls (ms). */
  #roundTripMs = 0

  /** `taught` is the server-taught state this group obeys: its own, or the one of the group whose quota it shares. */
  constructor(settings: GroupSettings, taught: Taught = new Taught()) {
    this.#windows = settings.windows.map((window) => new SlidingWindow(window.limit, window.durationMs))
    this.#adaptive = settings.adaptive === undefined ? undefined : new AdaptiveLimit(settings.adaptive)
    this.#concurrency = this.#adaptive?.current ?? settings.concurrency
    this.maxQueue = settings.maxQueue
    this.#taught = taught
    taught.join(this)
  }

  /** Calls allowed in flight now. */
  get concurrency(): number {
    return this.#concurrency
  }

  /** Calls granted and not settled yet. */
  get active(): number {
    return this.#active
  }

  /** Requests waiting. */
  get waiting(): number {
    return this.#queue.length
  }

  /** What the server last said about this group's quota (the shared one, when it shares one). */
  get quota(): Quota {
    return this.#taught.quota
  }

  /** The server-taught state this gate obeys. */
  get taught(): Taught {
    return this.#taught
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
    const taught = this.#taught.blocked(now)
    if (taught !== undefined) return taught
    let at = now
    for (const window of this.#windows) at = Math.max(at, window.nextFree(now))
    for (const window of this.#taught.learned) at = Math.max(at, window.nextFree(now))
    // Infinite: the calls in flight fill a window, and a settle (which pumps) frees it.
    return at > now ? { at, reason: 'window' } : undefined
  }

  /**
   * When a new request of `priority` would start, predicted by playing the windows, the pause
   * and the pace forward over the waiters that go before it (those of the same or a higher
   * priority), one start each. Concurrency has no schedule and is left out: a request held
   * only by it is predicted to start `now`, for reason `'concurrency'`. O(waiters × windows);
   * only a request that cannot start at once pays for it.
   */
  predict(priority: number, now: number): Block {
    let ahead = 0
    while (ahead < this.#queue.length && (this.#queue[ahead] as Waiter).priority >= priority) ahead += 1
    const windows = [...this.#windows, ...this.#taught.learned]
    const planned = windows.map((): number[] => [])
    const { pausedUntil } = this.#taught
    let lastStart = this.#taught.lastStart
    let at = now
    // Each start inherits the reason of the one before it unless something holds it longer.
    let reason: LimitReason = 'concurrency'
    for (let i = 0; i <= ahead; i++) {
      if (pausedUntil > at) {
        at = pausedUntil
        reason = 'server'
      }
      const paced = this.#taught.pacedUntil(at, lastStart)
      if (paced > at) {
        at = paced
        reason = 'pace'
      }
      windows.forEach((window, j) => {
        const free = window.nextFreeAfter(at, planned[j] as number[], now + this.#roundTripMs, this.#roundTripMs)
        if (free > at) {
          at = free
          reason = 'window'
        }
      })
      for (const starts of planned) starts.push(at)
      lastStart = at
    }
    return { at, reason }
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
   * until the quota resets, or a pace that spreads it, for every group that shares the quota.
   * Returns the ms the pause now lasts when this response lengthened it.
   */
  learn(observation: Observation, wallNow: number): number | undefined {
    return this.#taught.learn(observation, wallNow, now())
  }

  /** Starts what may start now: the server-taught state this gate obeys changed. */
  wake(): void {
    this.#pump()
  }

  /** How many starts this group's configured windows allow in `ms`; infinite without windows. */
  allowedIn(ms: number): number {
    if (this.#windows.length === 0) return Number.POSITIVE_INFINITY
    let allowed = Number.POSITIVE_INFINITY
    for (const window of this.#windows) allowed = Math.min(allowed, window.limit * Math.ceil(ms / window.durationMs))
    return allowed
  }

  #start(at: number): Ticket {
    const windows = this.#windows
    for (const window of windows) window.record()
    const learned = this.#taught.started(at)
    this.#active += 1
    let released = false
    return {
      depart: () => this.#taught.departed(at, now()),
      release: (overloaded = false) => {
        if (released) return undefined
        released = true
        const settled = now()
        for (const window of windows) window.settle(settled)
        for (const window of learned) window.settle(settled)
        // A smoothed round trip, for predicting when the calls in flight will settle.
        this.#roundTripMs += (settled - at - this.#roundTripMs) / 8
        this.#active -= 1
        const previous = this.#concurrency
        if (this.#adaptive?.settled(at, settled, overloaded)) this.#concurrency = this.#adaptive.current
        this.#pump()
        return previous === this.#concurrency ? undefined : { previous, limit: this.#concurrency }
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
