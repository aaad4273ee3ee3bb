import type { Redis } from 'ioredis'
import { ConfigError } from '../src/index.ts'
import { redactUrl, rejectUnknownOptions } from '../src/kit.ts'

/** What `redisConnection()` takes besides a plain `redis://` URL. */
export interface RedisConnectionOptions {
  /**
   * A `redis://` or `rediss://` URL: each user of the connection (a `rateLimit()`, a preset,
   * a cache store) opens its own connections from it, and closes them in its `close()`.
   */
  url?: string | undefined
  /** An ioredis client to use instead of a URL: ply never closes it. */
  client?: Redis | undefined
  /**
   * The name of what the processes share: processes with the same id keep the same limits
   * (and cache). `rateLimit({ shared })` needs one; a preset defaults it (its name, the API's
   * origin and a hash of the credential).
   */
  id?: string | undefined
  /**
   * How long a call waits for Redis to become reachable (at start, or after the connection was
   * lost) before it fails with `RateLimitError`, in milliseconds. Default 3000. With a `url` it
   * is also the connect and command timeout of the connections ply opens.
   */
  connectTimeout?: number | undefined
}

/** `RedisConnectionOptions` checked, with the defaults filled in. */
export interface CheckedRedis {
  readonly url: string | undefined
  readonly client: Redis | undefined
  readonly id: string | undefined
  readonly connectTimeout: number
}

/** Default bound on waiting for Redis, in ms. */
export const DEFAULT_CONNECT_TIMEOUT = 3_000
const OPTION_NAMES = ['url', 'client', 'id', 'connectTimeout'] as const
const WHERE = 'redisConnection()'

/** Checks a `redis://` URL or the options of `redisConnection()`; a bad one is a `ConfigError`. */
export function checkRedis(target: string | RedisConnectionOptions): CheckedRedis {
  const options = typeof target === 'string' ? { url: target } : target
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(`${WHERE} takes a redis:// URL or { url | client, id?, connectTimeout? }`)
  }
  rejectUnknownOptions(WHERE, options, OPTION_NAMES)
  const { url, client, id } = options
  if (id !== undefined && (typeof id !== 'string' || id.trim() === '')) {
    throw new ConfigError(`${WHERE}: id must be a non-empty string naming what the processes share`)
  }
  if (client !== undefined && url !== undefined) throw new ConfigError(`${WHERE} takes a client or a url, not both`)
  if (client === undefined && url === undefined) {
    throw new ConfigError(`${WHERE} needs a client (an ioredis instance) or a url (redis://…)`)
  }
  if (client !== undefined && typeof (client as { duplicate?: unknown } | null)?.duplicate !== 'function') {
    throw new ConfigError(`${WHERE}: client must be an ioredis client`)
  }
  if (url !== undefined) checkUrl(url)
  const connectTimeout = options.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT
  // setTimeout's limit: a longer timeout would fire after 1 ms instead.
  if (!(Number.isFinite(connectTimeout) && connectTimeout > 0 && connectTimeout <= 2_147_483_647)) {
    throw new ConfigError(
      `${WHERE}: connectTimeout must be a positive number of milliseconds up to 2147483647, got ${connectTimeout}`,
    )
  }
  return { url, client, id, connectTimeout }
}

function checkUrl(url: unknown): void {
  if (typeof url !== 'string') throw new ConfigError(`${WHERE}: url must be a string, got ${typeof url}`)
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch {
    throw new ConfigError(`${WHERE}: url is not a URL: ${redactUrl(url)}`)
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new ConfigError(`${WHERE}: url must start with redis:// or rediss://, got ${redactUrl(url)}`)
  }
}

/** The id a user of the connection needs, or a `ConfigError` that says how to give one. */
export function requireId(redis: CheckedRedis, what: string): string {
  if (redis.id !== undefined) return redis.id
  throw new ConfigError(
    `${what} needs an id, which the processes that share it have in common: redisConnection({ url, id: 'my-app' })`,
  )
}

/** Names the Redis in messages without its password. */
export function describeRedis(redis: CheckedRedis): string {
  if (redis.url !== undefined) return redactUrl(redis.url)
  const options = (redis.client as { options?: { host?: string; port?: number; path?: string } } | undefined)?.options
  if (options?.path) return options.path
  return `${options?.host ?? 'localhost'}:${options?.port ?? 6379} (the given client)`
}
