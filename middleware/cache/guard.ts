import type { CacheRecord } from './entry.ts'
import type { RecordStore } from './store.ts'

/** What the cache reports when its store fails: the request itself went on without it. */
export interface CacheWarning {
  /** The store operation that failed. */
  readonly operation: 'get' | 'set' | 'delete'
  /** Why: the store's error, or a timeout. */
  readonly error: Error
}

/** After a store failure, how long the cache leaves the store alone before one call tries it again. */
export const STORE_COOLDOWN_MS = 5_000
// Writes in flight at once (one per key). Past it a new write is dropped: each holds a record,
// bodies included, and a stalled store must not make them pile up.
const MAX_PENDING_WRITES = 1_000

/** A write or delete in flight: what the key will hold once it lands, and when it has. */
interface Pending {
  /** The record written, or `undefined` for a delete. */
  readonly record: CacheRecord | undefined
  readonly done: Promise<void>
}

/**
 * A store that never fails a request and never makes one wait on a write.
 *
 * - Each operation is bounded by `timeoutMs`; a failure or timeout is reported to `warn` and
 *   turned into a miss (a read) or nothing (a write). The timer is unref'd: a slow store
 *   cannot keep the process alive.
 * - After a failure the store is skipped for `STORE_COOLDOWN_MS` (reads are misses, writes
 *   are dropped); then one operation tries it again while the others still skip it, and its
 *   success ends the cool-down. So a store that is down costs one timeout per cool-down, not
 *   one per call.
 * - `set` and `delete` resolve once the operation has landed (or failed), but callers need not
 *   wait: until then a `get` of that key answers from the record in flight (read your own
 *   writes), and operations on one key reach the store in order.
 */
export class GuardedStore implements RecordStore {
  readonly #store: RecordStore
  readonly #timeoutMs: number
  readonly #warn: (warning: CacheWarning) => void
  readonly #pending = new Map<string, Pending>()
  /** `Date.now()` until which the store is skipped; 0 when it is in use. */
  #coolingUntil = 0
  /** Whether the one operation that tries the store after a cool-down is under way. */
  #probing = false

  constructor(store: RecordStore, timeoutMs: number, warn: (warning: CacheWarning) => void) {
    this.#store = store
    this.#timeoutMs = timeoutMs
    this.#warn = warn
  }

  get(key: string): Promise<CacheRecord | undefined> {
    const pending = this.#pending.get(key)
    if (pending !== undefined) return Promise.resolve(pending.record)
    return this.#guard('get', () => this.#store.get(key))
  }

  set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    if (this.#pending.size >= MAX_PENDING_WRITES && !this.#pending.has(key)) return Promise.resolve()
    return this.#enqueue(key, record, () => this.#guard('set', () => this.#store.set(key, record, ttlMs)))
  }

  delete(key: string): Promise<void> {
    return this.#enqueue(key, undefined, () => this.#guard('delete', () => this.#store.delete(key)))
  }

  /** Resolves once every write and delete started so far has landed or failed. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending.values()].map((pending) => pending.done))
  }

  /** Runs `operation` after the key's previous one, and answers reads of the key from `record` until it is done. */
  #enqueue(key: string, record: CacheRecord | undefined, operation: () => Promise<unknown>): Promise<void> {
    const previous = this.#pending.get(key)?.done
    // Neither ever rejects: #guard turns every failure into a warning.
    const done: Promise<void> = (previous === undefined ? operation() : previous.then(operation)).then(() => {
      if (this.#pending.get(key)?.done === done) this.#pending.delete(key)
    })
    this.#pending.set(key, { record, done })
    return done
  }

  async #guard<T>(operation: CacheWarning['operation'], run: () => Promise<T>): Promise<T | undefined> {
    let probe = false
    if (this.#coolingUntil !== 0) {
      if (this.#probing || Date.now() < this.#coolingUntil) return undefined
      probe = true
      this.#probing = true
    }
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the cache store did not answer within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      timer.unref?.()
    })
    try {
      const result = await Promise.race([run(), timeout])
      if (probe) this.#coolingUntil = 0
      return result
    } catch (cause) {
      this.#coolingUntil = Date.now() + STORE_COOLDOWN_MS
      try {
        this.#warn({ operation, error: cause instanceof Error ? cause : new Error(String(cause)) })
      } catch (error) {
        // A bug in the listener is seen (an uncaught exception, as an EventTarget's listener
        // would be) but never fails the request, nor a write nobody awaits.
        queueMicrotask(() => {
          throw error
        })
      }
      return undefined
    } finally {
      clearTimeout(timer)
      if (probe) this.#probing = false
    }
  }
}
