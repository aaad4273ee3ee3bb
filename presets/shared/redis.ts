import { createHash } from 'node:crypto'
import { Redis } from 'ioredis'
import Keyv from 'keyv'
import type { RedisOptions } from '../../middleware/index.ts'
import { ConfigError } from '../../src/index.ts'
import type { PresetRedisOptions } from './options.ts'

/** A preset's `redis` option, checked: a URL or a client, and the limiter id. */
export interface ResolvedRedis {
  readonly limiter: RedisOptions
  /** The cache store on the same Redis, opened on first use. */
  readonly store: Keyv
  close(): Promise<void>
}

/**
 * Resolves a preset's `redis` option: the rate limiter's Redis options (the limiter opens its
 * own connections from a URL) and a Keyv store on the same Redis for the cache, over ioredis
 * (already ply's Redis client), connected lazily so that nothing opens before the first request.
 */
export function presetRedis(option: string | PresetRedisOptions, preset: string, defaultId: string): ResolvedRedis {
  const given = typeof option === 'string' ? { url: option } : option
  if (typeof given !== 'object' || given === null) throw new ConfigError(`${preset}(): redis must be a URL or options`)
  if ((given.url === undefined) === (given.client === undefined)) {
    throw new ConfigError(`${preset}(): redis takes exactly one of url and client`)
  }
  const id = given.id ?? defaultId
  const limiter: RedisOptions = given.client ? { client: given.client, id } : { url: given.url as string, id }
  let owned: Redis | undefined
  const connection = (): Redis => {
    if (given.client) return given.client
    owned ??= new Redis(given.url as string, { lazyConnect: false, maxRetriesPerRequest: 1, connectTimeout: 3_000 })
    return owned
  }
  const store = new Keyv({ store: ioredisStore(connection, `ply:${id}:cache:`) })
  return {
    limiter,
    store,
    close: async () => {
      if (owned === undefined) return
      const client = owned
      owned = undefined
      await client.quit().catch(() => client.disconnect())
    },
  }
}

/** A stable, non-reversible tag for a credential in a Redis key name. */
export function tagOf(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16)
}

/** A minimal Keyv storage (the legacy get/set/delete/clear shape Keyv wraps) over ioredis. */
function ioredisStore(connection: () => Redis, prefix: string) {
  return {
    async get(key: string): Promise<string | undefined> {
      return (await connection().get(prefix + key)) ?? undefined
    },
    async set(key: string, value: string, ttl?: number): Promise<boolean> {
      const redis = connection()
      const reply =
        ttl !== undefined && ttl > 0
          ? await redis.set(prefix + key, value, 'PX', Math.ceil(ttl))
          : await redis.set(prefix + key, value)
      return reply === 'OK'
    },
    async delete(key: string): Promise<boolean> {
      return (await connection().del(prefix + key)) > 0
    },
    async clear(): Promise<void> {
      const redis = connection()
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
    },
  }
}
