/**
 * `ply-http/redis`: what shares ply's state across processes through Redis, for Node. Its
 * Redis client (ioredis) is an optional peer dependency, loaded only here and only on first
 * use; `ply-http`, `ply-http/middleware` and `ply-http/presets` never load it.
 *
 * @module
 */
export type { RedisCacheStore } from './cache-store.ts'
export type { RedisConnectionOptions } from './options.ts'
export { type RedisConnection, redisConnection } from './redis-connection.ts'
