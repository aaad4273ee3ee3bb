import { ConfigError } from '../../src/index.ts'
import { optionNames, redactText, rejectUnknownOptions } from '../../src/kit.ts'
import type { FreshnessSettings } from './freshness.ts'
import { type CacheWarning, GuardedStore } from './guard.ts'
import type { CacheKeyFunction } from './key.ts'
import { CLOSED_WITH_CACHE, type KeyvLike, KeyvRecordStore, MemoryStore, type RecordStore } from './store.ts'

export type { KeyvLike } from './store.ts'

/** Options of `cache()`. */
export interface CacheOptions {
  /**
   * Where responses are stored: any Keyv, 5 or 6 (`@keyv/sqlite` for a file on disk,
   * `@keyv/redis` to share between processes), or any store with its `get`, `set` and `delete`
   * (see `KeyvLike`); or a `MemoryStore` (the default: this process's memory, 1,000 records /
   * 50 MiB, least recently used out first).
   */
  store?: KeyvLike | MemoryStore | undefined
  /**
   * Fallback freshness lifetime in milliseconds for successful (2xx) GET responses that state
   * none (no `max-age`, no `Expires`), such as OpenWeatherMap's. `no-store` and `no-cache`
   * from the server still win, and so do the rules on what may be stored at all: with
   * `shared`, a response to a request with `Authorization` is stored only when it is `public`,
   * `must-revalidate` or has `s-maxage` (RFC 9111 §3.5). Default: none (only heuristic
   * freshness, RFC 9111 §4.2.2).
   */
  ttl?: number | undefined
  /** Behave as a shared cache (RFC 9111): refuse `private` responses, honour `s-maxage`. Default `false`. */
  shared?: boolean | undefined
  /** The methods whose responses are stored and reused: `GET` and `HEAD` (the default), or one of them. */
  methods?: readonly string[] | undefined
  /**
   * In milliseconds: how long past its freshness a response may be served while it is
   * refreshed in the background, when the server's `stale-while-revalidate` allows less.
   * Default 0 (only what the server allows).
   */
  staleWhileRevalidate?: number | undefined
  /**
   * In milliseconds: how long past its freshness a response may be served when the origin
   * fails (a network error, a timeout, 500, 502, 503 or 504), when the server's
   * `stale-if-error` allows less. Default 0. Never for `must-revalidate` responses.
   */
  staleIfError?: number | undefined
  /**
   * Larger bodies are passed through and not stored, and the cache reads no more of them than
   * this (and the chunk that crosses it): the caller streams the rest. Default 1 MiB.
   */
  maxBodyBytes?: number | undefined
  /**
   * Makes the resource part of the key from the request (default: the URL without fragment or
   * secret query parameters). The method and the credential partition are always added, and
   * the whole is hashed.
   */
  key?: CacheKeyFunction | undefined
  /**
   * How long a store operation may take before the cache steps aside, in milliseconds. Default
   * 1,000. After a failure or a timeout the store is left alone for 5 s (reads are misses,
   * writes are dropped), then one call tries it again.
   */
  storeTimeout?: number | undefined
  /**
   * Called when the store fails or times out (the request then goes on without the cache),
   * writes included, which run in the background. It must not throw: an error it throws is
   * rethrown on its own (an uncaught exception), never into a request. Default: a process
   * warning, at most once a minute.
   */
  onStoreError?: ((warning: CacheWarning) => void) | undefined
}

/** `CacheOptions` checked and resolved once, when the middleware is built. */
export interface CacheSettings {
  readonly store: RecordStore
  readonly methods: ReadonlySet<string>
  readonly freshness: FreshnessSettings
  readonly maxBodyBytes: number
  readonly key: CacheKeyFunction | undefined
  /** Whether store keys are hashed: for every store but the in-process `MemoryStore`. */
  readonly hashKeys: boolean
  /** Disconnects the store, when ply opened it for this cache (see `CLOSED_WITH_CACHE`). */
  readonly closeStore: (() => Promise<void>) | undefined
}

const CACHE_OPTIONS = optionNames<CacheOptions>()([
  'store',
  'ttl',
  'shared',
  'methods',
  'staleWhileRevalidate',
  'staleIfError',
  'maxBodyBytes',
  'key',
  'storeTimeout',
  'onStoreError',
])
const CACHEABLE_METHODS = new Set(['GET', 'HEAD'])
/** `setTimeout`'s limit: a store timeout above it would fire after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647

/** Checks `options` and resolves the defaults; bad options are a `ConfigError` naming the option. */
export function resolveOptions(options: CacheOptions): CacheSettings {
  if (typeof options !== 'object' || options === null) throw new ConfigError('cache() options must be an object')
  rejectUnknownOptions('cache()', options, CACHE_OPTIONS)
  const ttl = duration(options.ttl, 'ttl')
  const swr = duration(options.staleWhileRevalidate, 'staleWhileRevalidate') ?? 0
  const sie = duration(options.staleIfError, 'staleIfError') ?? 0
  const storeTimeout = duration(options.storeTimeout, 'storeTimeout', MAX_TIMER_MS) ?? 1000
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 0) {
    throw new ConfigError(`cache(): maxBodyBytes must be a whole number ≥ 0, got ${String(maxBodyBytes)}`)
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new ConfigError('cache(): key must be a function (request) => string')
  }
  if (options.onStoreError !== undefined && typeof options.onStoreError !== 'function') {
    throw new ConfigError('cache(): onStoreError must be a function')
  }
  const store = storeOf(options.store, storeTimeout, options.onStoreError ?? warnOncePerMinute())
  return {
    store,
    hashKeys: !(store instanceof MemoryStore),
    methods: methodsOf(options.methods),
    freshness: {
      shared: options.shared ?? false,
      ttl: ttl === undefined ? undefined : ttl / 1000,
      staleWhileRevalidate: swr / 1000,
      staleIfError: sie / 1000,
    },
    maxBodyBytes,
    key: options.key,
    closeStore: closerOf(options.store),
  }
}

/** The store's `disconnect()`, when the store carries `CLOSED_WITH_CACHE`; `undefined` otherwise. */
function closerOf(store: CacheOptions['store']): (() => Promise<void>) | undefined {
  const marked = store as (Record<symbol, unknown> & { disconnect?: unknown }) | undefined
  if (marked?.[CLOSED_WITH_CACHE] !== true || typeof marked.disconnect !== 'function') return undefined
  const disconnect = marked.disconnect as () => Promise<void>
  return () => disconnect.call(store)
}

function storeOf(store: CacheOptions['store'], timeoutMs: number, warn: (warning: CacheWarning) => void): RecordStore {
  if (store === undefined) return new MemoryStore()
  // The memory store cannot fail or stall: it needs no guard, and a hit stays cheap.
  if (store instanceof MemoryStore) return store
  // Duck-typed rather than `instanceof`: a Keyv from another copy of the package works too.
  if (isKeyvLike(store)) return new GuardedStore(new KeyvRecordStore(store), timeoutMs, warn)
  throw new ConfigError(
    'cache(): store must be a Keyv instance (or an object with its get, set and delete) or a MemoryStore',
  )
}

function isKeyvLike(store: unknown): store is KeyvLike {
  const candidate = store as Partial<Record<'get' | 'set' | 'delete', unknown>> | null
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.set === 'function' &&
    typeof candidate.delete === 'function'
  )
}

function methodsOf(methods: readonly string[] | undefined): ReadonlySet<string> {
  if (methods === undefined) return CACHEABLE_METHODS
  if (!Array.isArray(methods) || methods.length === 0) {
    throw new ConfigError('cache(): methods must be a non-empty array of GET and/or HEAD')
  }
  const upper = new Set(methods.map((method) => String(method).toUpperCase()))
  for (const method of upper) {
    if (!CACHEABLE_METHODS.has(method)) {
      throw new ConfigError(`cache(): only GET and HEAD responses can be cached, got ${method}`)
    }
  }
  return upper
}

function duration(value: unknown, name: string, max = Number.MAX_VALUE): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    const range = max === Number.MAX_VALUE ? '≥ 0' : `from 0 to ${max}`
    throw new ConfigError(`cache(): ${name} must be a number of milliseconds ${range}, got ${String(value)}`)
  }
  return value
}

function warnOncePerMinute(): (warning: CacheWarning) => void {
  let last = Number.NEGATIVE_INFINITY
  return ({ operation, error }) => {
    const now = Date.now()
    if (now - last < 60_000) return
    last = now
    const message = `the cache store failed (${operation}: ${redactText(error.message)}); requests go to the network`
    // Node's process warnings where there are some; the console in browsers and other runtimes.
    const node = (globalThis as { process?: { emitWarning?: (message: string, options: object) => void } }).process
    if (typeof node?.emitWarning === 'function') node.emitWarning(message, { type: 'PlyCacheWarning' })
    else console.warn(`PlyCacheWarning: ${message}`)
  }
}
