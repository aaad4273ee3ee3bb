import type { CacheRecord } from './entry.ts'
import type { RecordStore } from './store.ts'

/** What the cache reports when its store fails: the request itself went on without it. */
export interface CacheWarning {
  /** The store operation that failed. */
  readonly operation: 'get' | 'set' | 'delete'
  /** Why: the store's error, or a timeout. */
  readonly error: Error
}

/**
 * A store that never fails a request: each operation is bounded by `timeoutMs`, and a failure
 * or timeout is reported to `warn` and turned into a miss (a read) or nothing (a write). The
 * timer is unref'd: a slow store cannot keep the process alive.
 */
export class GuardedStore implements RecordStore {
  readonly #store: RecordStore
  readonly #timeoutMs: number
  readonly #warn: (warning: CacheWarning) => void

  constructor(store: RecordStore, timeoutMs: number, warn: (warning: CacheWarning) => void) {
    this.#store = store
    this.#timeoutMs = timeoutMs
    this.#warn = warn
  }

  get(key: string): Promise<CacheRecord | undefined> {
    return this.#guard('get', () => this.#store.get(key))
  }

  async set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    await this.#guard('set', () => this.#store.set(key, record, ttlMs))
  }

  async delete(key: string): Promise<void> {
    await this.#guard('delete', () => this.#store.delete(key))
  }

  async #guard<T>(operation: CacheWarning['operation'], run: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the cache store did not answer within ${this.#timeoutMs} ms`))
      }, this.#timeoutMs)
      timer.unref?.()
    })
    try {
      return await Promise.race([run(), timeout])
    } catch (cause) {
      this.#warn({ operation, error: cause instanceof Error ? cause : new Error(String(cause)) })
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }
}
