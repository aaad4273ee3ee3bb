import type { RedisOptions as IORedisClientOptions, Redis } from 'ioredis'
import type { CheckedRedis } from './options.ts'
import { loadPeers } from './peers.ts'

/** The connections of shared breakers: one for commands, one subscribed to the broadcasts. */
export interface CircuitLink {
  /** Commands: a connection ply opened from the URL, or the client you passed. */
  readonly commands: Redis
  /** Subscribed to the breakers' channel: always ply's own (a duplicate). */
  readonly subscriber: Redis
  /** Whether ply opened `commands` (and so closes it). */
  readonly owned: boolean
}

/** What a link tells its user. */
export interface LinkEvents {
  /** A broadcast on the channel. */
  onMessage(text: string): void
  /** A connection ply opened was lost: the link is done, a later call opens a new one. */
  onLoss(): void
}

/** How long ply waits for its own connections to quit before it drops them. */
const DISCONNECT_TIMEOUT = 200

/**
 * The options of the connections ply opens. No reconnection of their own (`retryStrategy`
 * returns null): a reconnection timer would keep an idle process alive, so a later call opens
 * a new link instead. No offline queue: a command while down fails at once, and the breakers
 * go on locally.
 */
function linkOptions(timeout: number, id: string): IORedisClientOptions {
  return {
    connectionName: `ply-circuit:${id.replace(/\s/g, '_')}`,
    lazyConnect: true,
    connectTimeout: timeout,
    commandTimeout: timeout,
    disconnectTimeout: DISCONNECT_TIMEOUT,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResubscribe: false,
    retryStrategy: () => null,
  }
}

/** Lets the process exit while ply's own sockets are open: a call that waits on one holds a timer instead. */
function unref(client: Redis): void {
  const stream = (client as unknown as { stream?: { unref?(): void } }).stream
  stream?.unref?.()
}

/**
 * Opens the connections (ioredis loaded on first use), subscribes to `channel`, and reports
 * its messages; rejects when Redis cannot be reached, having closed what it opened.
 */
export async function openCircuitLink(
  redis: CheckedRedis,
  id: string,
  channel: string,
  events: LinkEvents,
): Promise<CircuitLink> {
  const { Redis: RedisClass } = await loadPeers()
  const options = linkOptions(redis.connectTimeout, id)
  const owned = redis.client === undefined
  const commands = redis.client ?? new RedisClass(redis.url as string, options)
  const subscriber = commands.duplicate(options)
  const mine = owned ? [commands, subscriber] : [subscriber]
  for (const client of mine) {
    // ioredis throws an 'error' event nobody listens to; a lost connection is reported by 'close'.
    client.on('error', () => undefined)
    client.on('connect', () => unref(client))
  }
  const link = { commands, subscriber, owned }
  try {
    if (!owned && commands.status === 'wait') await commands.connect()
    await Promise.all(mine.map((client) => client.connect()))
    await subscriber.subscribe(channel)
  } catch (error) {
    closeCircuitLink(link)
    throw error
  }
  subscriber.on('message', (_channel: string, text: string) => events.onMessage(text))
  for (const client of mine) client.once('close', () => events.onLoss())
  return link
}

/** Closes the connections ply opened (never a client you passed), at once. */
export function closeCircuitLink(link: CircuitLink): void {
  for (const client of link.owned ? [link.commands, link.subscriber] : [link.subscriber]) {
    client.removeAllListeners('close')
    client.removeAllListeners('message')
    // disconnect() rather than quit(): nothing is left to say, and it waits for no reply.
    client.disconnect()
  }
}
