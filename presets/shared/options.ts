import type { KeyvLike, MemoryStore, SharedLimitsSource } from '../../middleware/index.ts'
import { type Client, ConfigError, type FetchFunction, type Middleware, type RequestOptions } from '../../src/index.ts'

/**
 * A preset's cache store in Redis: a Keyv whose `disconnect()` closes the connection it
 * opened, which the preset's cache calls when the preset's client closes.
 */
export interface PresetCacheStore extends KeyvLike {
  disconnect(): Promise<void>
}

/**
 * Where a preset shares its rate limits and its cache with other processes: what
 * `redisConnection('redis://…')` (or `redisConnection({ url | client, id? })`) of
 * `ply-http/redis` makes.
 */
export interface PresetRedis extends SharedLimitsSource {
  /** The connection under `id` unless it names its own: a preset's default id. */
  withDefaultId(id: string): PresetRedis
  /** The cache store on this Redis, connected on first use. */
  cacheStore(): PresetCacheStore
}

/** Options every preset takes. */
export interface PresetOptions {
  /** The API's root URL (a replica, a proxy, GitHub Enterprise). */
  baseUrl?: string | undefined
  /**
   * Where responses are cached: any Keyv, 5 or 6 (`@keyv/sqlite` on disk, `@keyv/redis`), a
   * `MemoryStore`, or `false` for no cache. Default: in memory, or in Redis when `redis` is set.
   */
  cache?: KeyvLike | MemoryStore | false | undefined
  /**
   * Share the rate limits (and, unless `cache` says otherwise, the cache) through Redis:
   * `redisConnection(url)` of `ply-http/redis`. Its id defaults to the preset's name, the API's
   * origin and a hash of the credential; the preset's `close()` closes the connections ply opened.
   */
  redis?: PresetRedis | undefined
  /** Per-attempt timeout in ms (default 10 000). */
  timeout?: number | undefined
  /** The fetch implementation under ky (default: the global `fetch`). */
  fetch?: FetchFunction | undefined
  /**
   * Middlewares placed outside the preset's stack, outermost first: `log()`, `tracing()` or a
   * metrics layer that should see each call once, cache hits included. (`client.use()` would
   * put them innermost, where they see each attempt and never a cache hit.) Only middlewares
   * of the `observe` phase or of none: one of another phase (`retry()`) is a `ConfigError`.
   */
  outer?: readonly Middleware[] | undefined
}

/**
 * The names of the options every preset takes (`PresetOptions`), for a preset's own
 * `optionNames` list: `optionNames<GitHubOptions>()([...PRESET_OPTIONS, 'token', …])`.
 */
export const PRESET_OPTIONS = [
  'baseUrl',
  'cache',
  'redis',
  'timeout',
  'fetch',
  'outer',
] as const satisfies readonly (keyof PresetOptions)[]

/**
 * Puts a preset's `outer` middlewares on its client, before (outside) its own stack, which
 * starts with `parse()` and ends with auth. So `outer` takes only what may sit outside every
 * phase: middlewares of the `observe` phase (`log()`, `tracing()`) or of none. One of another
 * phase (`retry()` outside the preset's cache, auth outside its retry) is a `ConfigError` that
 * says which preset option does that job instead; the client's own checks at `use()` then
 * catch a composed middleware whose members break the order.
 */
export function useOuter(client: Client, outer: readonly Middleware[] | undefined, preset: string): void {
  if (outer === undefined) return
  if (!Array.isArray(outer)) throw new ConfigError(`${preset}: outer must be an array of middlewares`)
  outer.forEach((middleware, index) => {
    const phase = typeof middleware === 'function' ? middleware.phase : undefined
    if (phase !== undefined && phase !== 'observe') {
      const name = middleware.displayName ?? (middleware.name || 'a middleware')
      throw new ConfigError(
        `${preset}: outer[${index}] is ${name} of the ${phase} phase, which must be inside the preset's own stack (parse(), cache, dedupe(), retry(), rateLimit(), auth) but outer would put it outside; outer takes middlewares that see the whole call (log(), tracing(), or ones that declare no phase); use the preset's options (cache, retry, …) instead`,
      )
    }
  })
  for (const middleware of outer) client.use(middleware)
}

/** A preset, whose client's lifecycle is its own: `close()` or `await using` end it. */
export interface Closable extends AsyncDisposable {
  /** Closes the preset's client (`client.close()`), and with it what it opened (Redis connections). */
  close(): Promise<void>
}

/** A preset call's own options: headers, `signal`, `deadline`, `timeout`, `cache`, `retry`, … (the preset builds the path, query and body). */
export type PresetCallOptions = Omit<RequestOptions, 'params' | 'query' | 'json' | 'form' | 'body' | 'schema'>
