import type { Redis } from 'ioredis'
import Keyv from 'keyv'
import type { CheckedRedis } from './options.ts'
import { loadPeers } from './peers.ts'

/**
 * A cache store in Redis for `cache({ store })` and the presets: a Keyv whose keys are
 * `ply:<id>:cache:…`. Its `disconnect()` closes the connection ply opened from a URL (never a
 * client you passed); the cache that uses it calls it in its own `close()`, so give each store
 * to one cache.
 */
export type RedisCacheStore = Keyv

/**
 * A Keyv store on Redis, over ioredis (the client the shared limits use too): ply's own
 * connection from a URL is opened on the first operation, so nothing loads or connects before.
 */
export function redisCacheStore(redis: CheckedRedis, id: string): RedisCacheStore {
  let owned: Promise<Redis> | undefined
  let closed = false
  const connection = (): Promise<Redis> => {
    if (redis.client !== undefined) return Promise.resolve(redis.client)
    if (closed) return Promise.reject(new Error('the Redis cache store is disconnected'))
    owned ??= loadPeers().then(
      ({ Redis: RedisClass }) =>
        new RedisClass(redis.url as string, {
          lazyConnect: false,
          maxRetriesPerRequest: 1,
          connectTimeout: redis.connectTimeout,
        }),
    )
    return owned
  }
  const disconnect = async (): Promise<void> => {
    closed = true
    const opened = owned
    owned = undefined
    if (opened === undefined) return
    const client = await opened.catch(() => undefined)
    await client?.quit().catch(() => client.disconnect())
  }
  const keyv = new Keyv({ store: ioredisStore(connection, `ply:${id}:cache:`, disconnect) })
  // `cache()` disconnects a store so marked in its own `close()` (CLOSED_WITH_CACHE in
  // middleware/cache/store.ts, of which this entry may import only types): the connection is
  // ply's, opened for the one cache that uses it.
  Object.defineProperty(keyv, Symbol.for('ply-http.closedWithCache'), { value: true })
  return keyv
}

/** A minimal Keyv storage (the legacy get/set/delete/clear shape Keyv wraps) over ioredis. */
function ioredisStore(connection: () => Promise<Redis>, prefix: string, disconnect: () => Promise<void>) {
  return {
    async get(key: string): Promise<string | undefined> {
      return (await (await connection()).get(prefix + key)) ?? undefined
    },
    async set(key: string, value: string, ttl?: number): Promise<boolean> {
      const redis = await connection()
      const reply =
        ttl !== undefined && ttl > 0
          ? await redis.set(prefix + key, value, 'PX', Math.ceil(ttl))
          : await redis.set(prefix + key, value)
      return reply === 'OK'
    },
    async delete(key: string): Promise<boolean> {
      return (await (await connection()).del(prefix + key)) > 0
    },
    async clear(): Promise<void> {
      const redis = await connection()
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
    },
    disconnect,
  }
}
