import { type CacheMiddleware, type CacheOptions, cache } from '../../middleware/index.ts'
import type { PresetOptions } from './options.ts'
import { presetRedis, type ResolvedRedis } from './redis.ts'

/** The Redis connection and the cache layer a preset's `redis` and `cache` options ask for. */
export interface PresetStorage {
  /** The resolved `redis` option (limiter settings, cache store), when given. */
  readonly redis: ResolvedRedis | undefined
  /** The cache middleware, unless `cache: false`. */
  readonly cache: CacheMiddleware | undefined
}

/**
 * Resolves a preset's `redis` and `cache` options: the cache stores in `cache` when given, else
 * in Redis when `redis` is, else in memory; `cache: false` means no cache layer at all.
 */
export function presetStorage(
  options: PresetOptions,
  preset: string,
  redisId: () => string,
  cacheOptions: CacheOptions = {},
): PresetStorage {
  const redis = options.redis === undefined ? undefined : presetRedis(options.redis, preset, redisId())
  const store = options.cache ?? redis?.store
  if (store === false) return { redis, cache: undefined }
  return { redis, cache: cache(store === undefined ? cacheOptions : { ...cacheOptions, store }) }
}
