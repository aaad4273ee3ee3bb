import type Bottleneck from 'bottleneck'
import type { RedisOptions as IORedisClientOptions, Redis } from 'ioredis'
import { redactText } from '../src/kit.ts'
import type { CheckedRedis } from './options.ts'
import { loadPeers } from './peers.ts'
import {
  CLOSE_TIMEOUT,
  DISCONNECT_TIMEOUT,
  KEY_REFRESH,
  KEY_SUFFIXES,
  KEY_TTL,
  type LimiterSettings,
} from './settings.ts'

/** The Redis connections that every shared limiter of one `rateLimit()` uses. */
export interface Link {
  readonly Bottleneck: typeof Bottleneck
  readonly connection: Bottleneck.IORedisConnection
  readonly client: Redis
  /** bottleneck's pub/sub connection (a duplicate of `client`): always ply's own. */
  readonly subscriber: Redis
  /** Whether ply created `client` (and so closes it). */
  readonly owned: boolean
  /** Whether both connections are ready for commands. */
  up(): boolean
  /**
   * Whether calls are under way. While none is, the sockets ply opened are unref'd, so that an
   * idle client does not keep the process alive; while one is, they are ref'd, so that the
   * process waits for the replies (a pub/sub message may be the only thing a call waits for).
   */
  setBusy(busy: boolean): void
  /** Removes what ply and bottleneck attached to a client the user passed. */
  detach(): void
}

/** What a link reports: errors, a connection lost, a connection (back) up. */
export interface LinkEvents {
  onError(error: unknown): void
  onLoss(): void
  onUp(): void
}

/**
 * Loads ioredis and bottleneck and opens (or adopts) the connections; resolves to undefined
 * when the limiter was closed while the modules loaded.
 */
export async function openLink(
  redis: CheckedRedis,
  id: string,
  { onError, onLoss, onUp }: LinkEvents,
  isClosed: () => boolean,
): Promise<Link | undefined> {
  const { Bottleneck: BottleneckClass, Redis: RedisClass } = await loadPeers()
  if (isClosed()) return undefined
  const owned = redis.client === undefined
  const client =
    redis.client ?? new RedisClass(redis.url as string, ownClientOptions(redis.connectTimeout, connectionName(id)))
  // bottleneck waits for 'ready' before its first command, which a lazyConnect client never reaches alone.
  if (!owned && client.status === 'wait') client.connect().catch(onError)
  const errorListeners = new Set(client.listeners('error'))
  const maxListeners = client.getMaxListeners()
  const connection = new BottleneckClass.IORedisConnection({ client, Redis: RedisClass })
  const added = client.listeners('error').filter((listener) => !errorListeners.has(listener))
  const subscriber = (connection as unknown as { subscriber: Redis }).subscriber
  connection.on('error', onError)
  let busy = false
  const mine = owned ? [client, subscriber] : [subscriber]
  const applyRef = (): void => {
    for (const c of mine) {
      const stream = (c as unknown as { stream?: { ref?(): void; unref?(): void } }).stream
      if (busy) stream?.ref?.()
      else stream?.unref?.()
    }
  }
  for (const redisClient of [client, subscriber]) {
    redisClient.on('close', onLoss)
    redisClient.on('ready', onUp)
  }
  // A reconnection opens a new socket: it gets the current ref state.
  for (const c of mine) c.on('connect', applyRef)
  return {
    Bottleneck: BottleneckClass,
    connection,
    client,
    subscriber,
    owned,
    up: () => client.status === 'ready' && subscriber.status === 'ready',
    setBusy: (value) => {
      busy = value
      applyRef()
    },
    detach: () => {
      for (const redisClient of [client, subscriber]) {
        redisClient.off('close', onLoss)
        redisClient.off('ready', onUp)
      }
      for (const c of mine) c.off('connect', applyRef)
      if (owned) return
      for (const listener of added) client.off('error', listener as (...args: unknown[]) => void)
      client.setMaxListeners(maxListeners)
    },
  }
}

/** Closes the connections ply opened (not a client the user passed); bounded in time. */
export async function closeLink(link: Link): Promise<void> {
  link.detach()
  const mine = link.owned ? [link.client, link.subscriber] : [link.subscriber]
  await withTimeout(Promise.allSettled(mine.map((c) => (c.status === 'ready' ? c.quit() : undefined))), CLOSE_TIMEOUT)
  // No reconnection timer and no socket may outlive close().
  for (const c of mine) {
    shortenDisconnectTimeout(c)
    c.disconnect()
  }
}

/** One group's bottleneck limiter, on a link. */
export interface Bucket {
  readonly limiter: Bottleneck
  /** Whether bottleneck's `ready()` has resolved and this process's limits are in Redis. */
  ready: boolean
  /** Keeps the cluster keys' expiry ahead while this limiter lives (unref'd). */
  expiry?: ReturnType<typeof setInterval>
  /** Sets the expiry of the cluster keys (also of those created since the last refresh). */
  refreshExpiry(): Promise<unknown>
}

/** Builds bottleneck's limiter for one group's limits on the link's connections. */
export function openBucket(link: Link, settings: LimiterSettings, onError: (error: unknown) => void): Bucket {
  const limiter = new link.Bottleneck({
    id: `ply:${settings.id}`,
    datastore: 'ioredis',
    connection: link.connection,
    clearDatastore: false,
    // No `timeout`: see KEY_TTL; ply expires the keys.
    minTime: settings.minTime,
    maxConcurrent: settings.concurrency ?? null,
    rejectOnDrop: true,
  })
  // One listener for the whole limiter's life, never one per job.
  limiter.on('error', onError)
  const keys = KEY_SUFFIXES.map((suffix) => `b_ply:${settings.id}_${suffix}`)
  const ttl = Math.ceil(settings.minTime) + KEY_TTL
  return {
    limiter,
    ready: false,
    refreshExpiry: () =>
      link.client
        .pipeline(keys.map((key) => ['pexpire', key, ttl]))
        .exec()
        .catch(onError),
  }
}

/** Sets the cluster keys' expiry now and every `KEY_REFRESH` ms while the bucket lives. */
export function keepKeysAlive(bucket: Bucket): void {
  const refreshExpiry = (): void => void bucket.refreshExpiry()
  refreshExpiry()
  bucket.expiry = setInterval(refreshExpiry, KEY_REFRESH)
  bucket.expiry.unref()
}

/** Stops a bucket's limiter and takes it off the link; bounded in time. */
export async function closeBucket(bucket: Bucket, link: Link): Promise<void> {
  clearInterval(bucket.expiry)
  const store = internals(bucket.limiter)
  // Drops queued and waiting jobs at once; waits (bounded) for tasks already running.
  await withTimeout(bucket.limiter.stop({ dropWaitingJobs: true }), CLOSE_TIMEOUT)
  // bottleneck unsubscribes in promises nobody awaits, which reject (unhandled) on a dead
  // connection: skip that. A channel left subscribed only carries messages nobody reads.
  const connection = link.connection as unknown as { terminated: boolean }
  const terminated = connection.terminated
  connection.terminated = true
  await bucket.limiter.disconnect(false)
  connection.terminated = terminated
  if (bucket.ready && link.client.status === 'ready') await withTimeout(bucket.refreshExpiry(), CLOSE_TIMEOUT)
  clearInterval(store.heartbeat)
  for (const timer of Object.values(store.capacityPriorityCounters ?? {})) clearTimeout(timer)
}

/**
 * ioredis 5's `disconnect()` arms a `disconnectTimeout` timer (2 s by default) that only the
 * socket's 'close' event clears; on a socket that closed earlier (Redis down) the timer runs
 * out in full and keeps the process alive for it. ply's own connections get a short one.
 */
export function shortenDisconnectTimeout(c: Redis): void {
  const connector = (c as unknown as { connector?: { disconnectTimeout?: unknown } }).connector
  if (connector && typeof connector.disconnectTimeout === 'number') {
    connector.disconnectTimeout = Math.min(connector.disconnectTimeout, DISCONNECT_TIMEOUT)
  }
}

/** The few bottleneck internals that `close()` must clean up (bottleneck 2.19.5 leaves them). */
export function internals(limiter: Bottleneck): {
  heartbeat?: ReturnType<typeof setInterval>
  capacityPriorityCounters?: Record<string, ReturnType<typeof setTimeout>>
} {
  return (limiter as unknown as { _store: ReturnType<typeof internals> })._store
}

/** The name ply's own connections carry in Redis's `CLIENT LIST` (no spaces: Redis refuses them). */
export function connectionName(id: string): string {
  return `ply-ratelimit:${id.replace(/\s/g, '_')}`
}

/** The options of the connections ply opens from a URL: fail fast while down, reconnect until closed. */
export function ownClientOptions(timeout: number, name: string): IORedisClientOptions {
  return {
    connectionName: name,
    connectTimeout: timeout,
    commandTimeout: timeout,
    disconnectTimeout: DISCONNECT_TIMEOUT,
    // Fail a command at once when the connection is down: ply then reports RateLimitError
    // instead of queueing the limiter's bookkeeping behind a reconnection.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Keep reconnecting (a later call may succeed) until close() stops it.
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2_000),
  }
}

/**
 * A copy of a Redis error that keeps its message and code but nothing else: ioredis attaches
 * the failed command with its arguments, which for AUTH include the password.
 */
export function sanitize(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error)
  const copy = new Error(redactText(message))
  if (error instanceof Error) copy.name = error.name
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') Object.assign(copy, { code })
  return copy
}

/** Waits for `promise` to settle, or `ms` at most; never rejects. */
export function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms)
    promise.then(
      () => {
        clearTimeout(timer)
        resolve()
      },
      () => {
        clearTimeout(timer)
        resolve()
      },
    )
  })
}
