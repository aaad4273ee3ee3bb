import type Bottleneck from 'bottleneck'
import type { RedisOptions as IORedisClientOptions, Redis } from 'ioredis'
import { redactText } from '../../../src/index.ts'
import {
  CLOSE_TIMEOUT,
  DISCONNECT_TIMEOUT,
  KEY_REFRESH,
  KEY_SUFFIXES,
  KEY_TTL,
  type RedisOptions,
  type Settings,
} from './options.ts'

export interface Session {
  limiter: Bottleneck
  connection: Bottleneck.IORedisConnection
  client: Redis
  subscriber: Redis
  /** Whether ply created `client` (and so closes it). */
  owned: boolean
  /** Whether bottleneck's `ready()` has resolved and this process's limits are in Redis. */
  ready: boolean
  /** Keeps the cluster keys' expiry ahead while this limiter lives (unref'd). */
  expiry?: ReturnType<typeof setInterval>
  /** Sets the expiry of the cluster keys (also of those created since the last refresh). */
  refreshExpiry(): Promise<unknown>
  /** Removes what ply and bottleneck attached to a client the user passed. */
  detach(): void
}

/** What a session reports to its limiter: errors, a connection lost, a connection (back) up. */
export interface SessionEvents {
  onError(error: unknown): void
  onLoss(): void
  onUp(): void
}

/**
 * Loads ioredis and bottleneck, opens (or adopts) the connections and builds bottleneck's limiter
 * on them; resolves to undefined when the limiter was closed while the modules loaded.
 */
export async function openSession(
  redis: RedisOptions,
  settings: Settings,
  { onError, onLoss, onUp }: SessionEvents,
  isClosed: () => boolean,
): Promise<Session | undefined> {
  const [{ default: BottleneckClass }, { Redis: RedisClass }] = await Promise.all([
    import('bottleneck'),
    import('ioredis'),
  ])
  if (isClosed()) return undefined
  const owned = redis.client === undefined
  const client = redis.client ?? new RedisClass(redis.url as string, ownClientOptions(settings.connectTimeout))
  // bottleneck waits for 'ready' before its first command, which a lazyConnect client never reaches alone.
  if (!owned && client.status === 'wait') client.connect().catch(onError)
  const errorListeners = new Set(client.listeners('error'))
  const maxListeners = client.getMaxListeners()
  const connection = new BottleneckClass.IORedisConnection({ client, Redis: RedisClass })
  const added = client.listeners('error').filter((listener) => !errorListeners.has(listener))
  const subscriber = (connection as unknown as { subscriber: Redis }).subscriber
  const limiter = new BottleneckClass({
    id: `ply:${settings.id}`,
    datastore: 'ioredis',
    connection,
    clearDatastore: false,
    // No `timeout`: see KEY_TTL; ply expires the keys.
    minTime: settings.minTime,
    maxConcurrent: settings.concurrency ?? null,
    rejectOnDrop: true,
  })
  // One listener each for the whole limiter's life, never one per job.
  connection.on('error', onError)
  limiter.on('error', onError)
  for (const redisClient of [client, subscriber]) {
    redisClient.on('close', onLoss)
    redisClient.on('ready', onUp)
  }
  const current: Session = {
    limiter,
    connection,
    client,
    subscriber,
    owned,
    ready: false,
    refreshExpiry: () => Promise.resolve(),
    detach: () => {
      client.off('close', onLoss)
      client.off('ready', onUp)
      if (owned) return
      for (const listener of added) client.off('error', listener as (...args: unknown[]) => void)
      client.setMaxListeners(maxListeners)
    },
  }
  const keys = KEY_SUFFIXES.map((suffix) => `b_ply:${settings.id}_${suffix}`)
  const ttl = Math.ceil(settings.minTime) + KEY_TTL
  current.refreshExpiry = () =>
    client
      .pipeline(keys.map((key) => ['pexpire', key, ttl]))
      .exec()
      .catch(onError)
  return current
}

/** Sets the cluster keys' expiry now and every `KEY_REFRESH` ms while the session lives. */
export function keepKeysAlive(current: Session): void {
  const refreshExpiry = (): void => void current.refreshExpiry()
  refreshExpiry()
  current.expiry = setInterval(refreshExpiry, KEY_REFRESH)
  current.expiry.unref()
}

/** Stops a session's limiter and closes the connections ply opened; bounded in time. */
export async function dispose(s: Session): Promise<void> {
  s.detach()
  clearInterval(s.expiry)
  const store = internals(s.limiter)
  // The subscriber is about to close: unsubscribing first would only fail on a dead connection.
  ;(s.connection as unknown as { terminated: boolean }).terminated = true
  // Drops queued and waiting jobs at once; waits (bounded) for tasks already running.
  await withTimeout(s.limiter.stop({ dropWaitingJobs: true }), CLOSE_TIMEOUT)
  await s.limiter.disconnect(false)
  if (s.ready && s.client.status === 'ready') await withTimeout(s.refreshExpiry(), CLOSE_TIMEOUT)
  clearInterval(store.heartbeat)
  for (const timer of Object.values(store.capacityPriorityCounters ?? {})) clearTimeout(timer)
  const mine = s.owned ? [s.client, s.subscriber] : [s.subscriber]
  await withTimeout(Promise.allSettled(mine.map((c) => (c.status === 'ready' ? c.quit() : undefined))), CLOSE_TIMEOUT)
  // No reconnection timer and no socket may outlive close().
  for (const c of mine) {
    shortenDisconnectTimeout(c)
    c.disconnect()
  }
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

export function ownClientOptions(timeout: number): IORedisClientOptions {
  return {
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
