import { type CacheMiddleware, type CacheOptions, cache } from '../../middleware/index.ts'
import { ConfigError } from '../../src/index.ts'
import type { PresetOptions, PresetRedis } from './options.ts'

/** The shared limits and the cache layer a preset's `redis` and `cache` options ask for. */
export interface PresetStorage {
  /** The `redis` option under the preset's default id, for `rateLimit({ shared })`, when given. */
  readonly shared: PresetRedis | undefined
  /**
   * The cache middleware, unless `cache: false`. A store it opened in Redis is disconnected by
   * its own `close()`, which the preset's client calls.
   */
  readonly cache: CacheMiddleware | undefined
}

/**
 * Resolves a preset's `redis` and `cache` options: the cache stores in `cache` when given, else
 * in Redis when `redis` is, else in memory; `cache: false` means no cache layer at all.
 * `redisId` is the preset's default id, used when the connection names none.
 */
export function presetStorage(
  options: PresetOptions,
  preset: string,
  redisId: () => string,
  cacheOptions: CacheOptions = {},
): PresetStorage {
  const shared =
    options.redis === undefined ? undefined : checkRedisOption(options.redis, preset).withDefaultId(redisId())
  if (options.cache === false) return { shared, cache: undefined }
  const redisStore = options.cache === undefined && shared !== undefined ? shared.cacheStore() : undefined
  const store = options.cache ?? redisStore
  return { shared, cache: cache(store === undefined ? cacheOptions : { ...cacheOptions, store }) }
}

/**
 * Checks a preset's `redis` option, and refuses the URL or options object that earlier versions
 * took (which made the presets load a Redis client), saying what to pass instead.
 */
function checkRedisOption(redis: unknown, preset: string): PresetRedis {
  const candidate = redis as Partial<Record<keyof PresetRedis, unknown>> | null
  if (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.withDefaultId === 'function' &&
    typeof candidate.cacheStore === 'function' &&
    typeof candidate.sharedLimits === 'function'
  ) {
    return redis as PresetRedis
  }
  const example = typeof redis === 'string' ? "redisConnection('redis://…')" : 'redisConnection({ url | client, id? })'
  throw new ConfigError(
    `${preset}(): redis takes what redisConnection() makes: import { redisConnection } from 'ply-http/redis' and pass ${preset}({ redis: ${example} })`,
  )
}
