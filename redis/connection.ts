import type { RedisOptions as IORedisClientOptions, Redis } from 'ioredis'
import { redactText } from '../src/kit.ts'
import type { CheckedRedis } from './options.ts'
import { loadPeers } from './peers.ts'
import { CLOSE_TIMEOUT, DISCONNECT_TIMEOUT, RECONNECT_MAX_MS } from './settings.ts'

/** The Redis connections that every shared limiter of one `rateLimit()` uses. */
export interface Link {
  /** Runs the scripts. */
  readonly client: Redis
  /** Hears the settles that wake waiting calls (a duplicate of `client`): always ply's own. */
  readonly subscriber: Redis
  /** Whether ply created `client` (and so closes it). */
  readonly owned: boolean
  /** Whether the scripts can run now. */
  up(): boolean
  /**
   * Whether calls are under way. While none is, the sockets ply opened are unref'd, so that an
   * idle client does not keep the process alive; while one is, they are ref'd, so that the
   * process waits for the replies (a pub/sub message may be the only thing a call waits for).
   */
  setBusy(busy: boolean): void
  /** Calls `wake` on each message on `channel` (subscribed now, and again after a reconnection). */
  listen(channel: string, wake: () => void): void
  /** Removes what ply attached to a client the user passed. */
  detach(): void
}

/** What a link reports: errors, a connection lost, a connection (back) up. */
export interface LinkEvents {
  onError(error: unknown): void
  onLoss(): void
  onUp(): void
}

/**
 * Loads ioredis and opens (or adopts) the connections; resolves to undefined when the limiter
 * was closed while the module loaded.
 */
export async function openLink(
  redis: CheckedRedis,
  id: string,
  { onError, onLoss, onUp }: LinkEvents,
  isClosed: () => boolean,
): Promise<Link | undefined> {
  const { Redis: RedisClass } = await loadPeers()
  if (isClosed()) return undefined
  const owned = redis.client === undefined
  const client =
    redis.client ?? new RedisClass(redis.url as string, ownClientOptions(redis.connectTimeout, connectionName(id)))
  // A lazyConnect client never connects by itself, and the limiter waits for it to be ready.
  if (!owned && client.status === 'wait') client.connect().catch(onError)
  const subscriber = client.duplicate()
  if (subscriber.status === 'wait') subscriber.connect().catch(onError)
  const channels = new Map<string, () => void>()
  const onMessage = (channel: string): void => channels.get(channel)?.()
  const subscribe = (names: string[]): void => {
    if (names.length > 0 && subscriber.status === 'ready') subscriber.subscribe(...names).catch(onError)
  }
  const resubscribe = (): void => subscribe([...channels.keys()])
  let busy = false
  const mine = owned ? [client, subscriber] : [subscriber]
  const applyRef = (): void => {
    for (const c of mine) {
      const stream = (c as unknown as { stream?: { ref?(): void; unref?(): void } }).stream
      if (busy) stream?.ref?.()
      else stream?.unref?.()
    }
  }
  client.on('error', onError)
  client.on('close', onLoss)
  client.on('ready', onUp)
  subscriber.on('error', onError)
  subscriber.on('message', onMessage)
  subscriber.on('ready', resubscribe)
  // A reconnection opens a new socket: it gets the current ref state.
  for (const c of mine) c.on('connect', applyRef)
  return {
    client,
    subscriber,
    owned,
    up: () => client.status === 'ready',
    setBusy: (value) => {
      busy = value
      applyRef()
    },
    listen: (channel, wake) => {
      if (channels.has(channel)) return
      channels.set(channel, wake)
      subscribe([channel])
    },
    detach: () => {
      // ply's own connections keep an error listener until they are gone: an error while they
      // close (Redis down) would otherwise be printed as unhandled.
      if (!owned) client.off('error', onError)
      client.off('close', onLoss)
      client.off('ready', onUp)
      subscriber.off('message', onMessage)
      subscriber.off('ready', resubscribe)
      for (const c of mine) c.off('connect', applyRef)
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
    // Keep reconnecting (a later call may succeed) until close() stops it; at least once a
    // second, so that the limiter is back soon after Redis is (a restart, a failover).
    retryStrategy: (times) => Math.min(50 * 2 ** times, RECONNECT_MAX_MS),
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
