import { ConfigError } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { decodeBase64, encodeBase64 } from '../shared/base64.ts'
import type { CacheRecord, StoredResponse } from './entry.ts'

/**
 * Where records live. Every method may reject; the cache then steps aside. The cache does not
 * wait for `set` (nor for the `delete` of a failed revalidation): a store whose writes take time
 * answers reads of a key written but not yet landed itself (as `GuardedStore` does).
 */
export interface RecordStore {
  get(key: string): Promise<CacheRecord | undefined>
  set(key: string, record: CacheRecord, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  /** Resolves once the writes started so far have landed or failed; absent when writes land at once. */
  flush?(): Promise<void>
}

/** Options of `memoryStore()`. */
export interface MemoryStoreOptions {
  /** Most records kept (default 1,000); the least recently used go first. */
  maxEntries?: number | undefined
  /** Most body and header bytes kept (default 50 MiB); the least recently used go first. */
  maxBytes?: number | undefined
}

const MEMORY_STORE_OPTIONS = optionNames<MemoryStoreOptions>()(['maxEntries', 'maxBytes'])

interface MemorySlot {
  readonly record: CacheRecord
  readonly bytes: number
  readonly expiresAt: number
}

/** How often, at most, `set` looks through the whole store for records past their time. */
const SWEEP_INTERVAL_MS = 1_000

/**
 * The default store: records in this process's memory, bounded by entries and bytes with
 * least-recently-used eviction, each dropped when nothing can use it any more. Records are
 * kept as objects (never serialised), which makes a hit cost microseconds.
 */
export class MemoryStore implements RecordStore {
  readonly #slots = new Map<string, MemorySlot>()
  readonly #maxEntries: number
  readonly #maxBytes: number
  #bytes = 0
  #sweptAt = Date.now()

  constructor(options: MemoryStoreOptions = {}) {
    if (options === null || typeof options !== 'object') throw new ConfigError('MemoryStore options must be an object')
    rejectUnknownOptions('new MemoryStore()', options, MEMORY_STORE_OPTIONS)
    this.#maxEntries = bound(options.maxEntries, 'maxEntries', 1000)
    this.#maxBytes = bound(options.maxBytes, 'maxBytes', 50 * 1024 * 1024)
  }

  /** Records held now. */
  get size(): number {
    return this.#slots.size
  }

  /** Bytes held now (bodies and headers). */
  get bytes(): number {
    return this.#bytes
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    return this.peek(key)
  }

  /**
   * `get` without a promise: the record under `key`, if it is still of use (it counts as used).
   * `cache()` reads a memory store through this, so a subclass that changes reads overrides it.
   */
  peek(key: string): CacheRecord | undefined {
    const slot = this.#slots.get(key)
    if (slot === undefined) return undefined
    this.#slots.delete(key)
    if (slot.expiresAt <= Date.now()) {
      this.#bytes -= slot.bytes
      return undefined
    }
    // Re-inserted: a Map iterates in insertion order, so the first key is the least recently used.
    this.#slots.set(key, slot)
    return slot.record
  }

  async set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    this.#remove(key)
    const now = Date.now()
    if (now - this.#sweptAt >= SWEEP_INTERVAL_MS) this.#sweep(now)
    const bytes = sizeOf(record)
    if (bytes > this.#maxBytes) return
    this.#slots.set(key, { record, bytes, expiresAt: now + ttlMs })
    this.#bytes += bytes
    for (const oldest of this.#slots.keys()) {
      if (this.#slots.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break
      this.#remove(oldest)
    }
  }

  async delete(key: string): Promise<void> {
    this.#remove(key)
  }

  /** Drops every record. */
  clear(): void {
    this.#slots.clear()
    this.#bytes = 0
  }

  /**
   * Drops every record past its time. Without it, records nothing can use (a response with
   * no freshness and no validator lives a millisecond) would stay until the bounds evict them,
   * holding memory and pushing useful records out.
   */
  #sweep(now: number): void {
    this.#sweptAt = now
    for (const [key, slot] of this.#slots) if (slot.expiresAt <= now) this.#remove(key)
  }

  #remove(key: string): void {
    const slot = this.#slots.get(key)
    if (slot === undefined) return
    this.#slots.delete(key)
    this.#bytes -= slot.bytes
  }
}

/** A bound of `MemoryStore`: a whole number ≥ 1, or the default when absent. */
function bound(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`MemoryStore: ${name} must be a whole number ≥ 1, got ${String(value)}`)
  }
  return value
}

function sizeOf(record: CacheRecord): number {
  let bytes = 0
  for (const variant of record.variants) {
    bytes += variant.body.byteLength + variant.url.length + 256
    for (const [name, value] of variant.headers) bytes += name.length + value.length
  }
  return bytes
}

/**
 * The mark of a store that `cache()` disconnects in its own `close()`: one that ply opened for
 * the cache that uses it (`redisConnection().cacheStore()` of `ply-http/redis`, whose
 * connection nobody else holds). A store you built yourself is yours to disconnect: the cache
 * never does. A registered symbol, so that a store from another copy of ply-http has it too.
 */
export const CLOSED_WITH_CACHE: unique symbol = Symbol.for('ply-http.closedWithCache')

/**
 * A Keyv-like store, declared by the methods `cache()` calls, so that neither ply's types nor
 * its code need the `keyv` package: a Keyv 5 or 6 instance fits (with `@keyv/redis`,
 * `@keyv/sqlite` or any adapter), and so does any object with these methods. Values are
 * JSON-safe objects; `ttl` is in milliseconds; a `set` that resolves to `false` failed.
 */
export interface KeyvLike {
  get(key: string): Promise<unknown>
  set(key: string, value: unknown, ttl?: number): Promise<unknown>
  delete(key: string): Promise<unknown>
}

/** A stored variant as it is written to a Keyv store: the body as base64, JSON-safe. */
type SerialVariant = Omit<StoredResponse, 'body'> & { readonly body: string }

/**
 * A Keyv store (SQLite, Redis, or any adapter): records are written JSON-safe, bodies as
 * base64, so every serializer keeps them exactly.
 */
export class KeyvRecordStore implements RecordStore {
  readonly #keyv: KeyvLike

  constructor(keyv: KeyvLike) {
    this.#keyv = keyv
  }

  async get(key: string): Promise<CacheRecord | undefined> {
    const stored: unknown = await this.#keyv.get(key)
    return decode(stored)
  }

  async set(key: string, record: CacheRecord, ttlMs: number): Promise<void> {
    const variants: SerialVariant[] = record.variants.map((variant) => ({
      ...variant,
      body: encodeBase64(variant.body),
    }))
    const written = await this.#keyv.set(key, { v: 1, variants }, ttlMs)
    // Keyv reports a failed write as `false` when it has an `error` listener.
    if (written === false) throw new Error('the store refused the write')
  }

  async delete(key: string): Promise<void> {
    await this.#keyv.delete(key)
  }
}

/** Reads back what `KeyvRecordStore.set` wrote; anything else (an old format, damage) is a miss. */
function decode(stored: unknown): CacheRecord | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined
  const { v, variants } = stored as { v?: unknown; variants?: unknown }
  if (v !== 1 || !Array.isArray(variants)) return undefined
  const decoded: StoredResponse[] = []
  for (const variant of variants as SerialVariant[]) {
    if (typeof variant?.body !== 'string' || !Array.isArray(variant.headers)) return undefined
    let body: Uint8Array<ArrayBuffer>
    try {
      body = decodeBase64(variant.body)
    } catch {
      return undefined
    }
    decoded.push({ ...variant, body })
  }
  return { v: 1, variants: decoded }
}
