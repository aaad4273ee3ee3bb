import type { SharedCircuits, SharedCircuitsSource } from '../middleware/circuit/shared.ts'
import type { SharedLimiters, SharedLimitsSource } from '../middleware/ratelimit/shared.ts'
import type { PresetRedis } from '../presets/shared/options.ts'
import { type RedisCacheStore, redisCacheStore } from './cache-store.ts'
import { sharedCircuits } from './circuit-state.ts'
import { sharedLimiters } from './limiters.ts'
import { type CheckedRedis, checkRedis, type RedisConnectionOptions, requireId } from './options.ts'
import { requirePeers } from './peers.ts'

/**
 * A Redis through which processes share ply's state, as `redisConnection()` makes it: hand it
 * to `rateLimit({ shared })`, to a preset's `redis` option, or ask it for a cache store. It
 * holds no connection itself: each user opens its own from a URL (on its first call) and
 * closes them in its own `close()`; a client you passed is used by all and closed by none.
 */
export interface RedisConnection extends SharedLimitsSource, SharedCircuitsSource, PresetRedis {
  /** The name of what the processes share, when one was given. */
  readonly id: string | undefined
  /**
   * Shared limiters for one `rateLimit()` (which calls this itself), under this connection's id.
   * @throws ConfigError when the connection has no id.
   */
  sharedLimits(): SharedLimiters
  /**
   * Shared breakers for one `circuitBreaker()` (which calls this itself), under this connection's id.
   * @throws ConfigError when the connection has no id.
   */
  sharedCircuits(): SharedCircuits
  /**
   * A Keyv on this Redis for `cache({ store })`, with keys `ply:<id>:cache:…`; its
   * `disconnect()` closes the connection it opened from a URL, and the cache given it calls
   * that in its `close()` (`client.close()`): give each store to one cache.
   * @throws ConfigError when the connection has no id.
   */
  cacheStore(): RedisCacheStore
  /** The same connection with `id` as its id, unless it has one already (what a preset calls). */
  withDefaultId(id: string): RedisConnection
}

/**
 * Where processes share rate limits, circuit breakers (and, for the presets, their cache) through Redis: a
 * `redis://` URL, or `{ url | client, id?, connectTimeout? }`.
 *
 * ```ts
 * import { redisConnection } from 'ply-http/redis'
 * const redis = redisConnection({ url: process.env.REDIS_URL!, id: 'my-app' })
 * const limiter = rateLimit({ perSecond: 20, shared: redis })
 * const breaker = circuitBreaker({ failures: 5, shared: redis })
 * const gh = github({ token, redis: redisConnection(process.env.REDIS_URL!) })
 * ```
 *
 * Nothing loads or connects here: ioredis is loaded on the first call that needs Redis. It is
 * an optional peer dependency of ply-http (`npm install ioredis`).
 *
 * @throws ConfigError on bad options, or when ioredis is not installed.
 */
export function redisConnection(target: string | RedisConnectionOptions): RedisConnection {
  const redis = checkRedis(target)
  requirePeers('redisConnection()')
  return connectionOf(redis)
}

function connectionOf(redis: CheckedRedis): RedisConnection {
  return {
    id: redis.id,
    sharedLimits: () => sharedLimiters({ ...redis, id: requireId(redis, 'rateLimit({ shared })') }),
    sharedCircuits: () => sharedCircuits(redis, requireId(redis, 'circuitBreaker({ shared })')),
    cacheStore: () => redisCacheStore(redis, requireId(redis, 'a Redis cache store')),
    withDefaultId: (id) => (redis.id === undefined ? connectionOf({ ...redis, id }) : connectionOf(redis)),
  }
}
