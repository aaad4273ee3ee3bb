import type { FleetState, ProbeClaim, SharedCircuits } from '../middleware/circuit/shared.ts'
import { type CircuitLink, closeCircuitLink, openCircuitLink } from './circuit-link.ts'
import type { CheckedRedis } from './options.ts'

/** How long after a failed or lost connection a call may try to open a new one, in ms. */
const RECONNECT_MS = 1_000
/** The most keys whose fleet state is kept; the one heard of longest ago is dropped past that. */
const MAX_KEYS = 10_000

/**
 * Claims the fleet's one probe of a breaker, in one step. KEYS: the open key, the probe key;
 * ARGV: this process's token, how long it may hold the probe (ms). Returns the ms the breaker
 * stays open when another process opened it, 0 when the probe is this process's (again, if it
 * held it), -1 when another process holds it.
 */
const CLAIM = `
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return left end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return 0`

/** A broadcast on the channel: `openMs` when a process opened `key`, none when one closed it. */
interface Broadcast {
  readonly from: string
  readonly key: string
  readonly openMs?: number
}

/** Settles with `promise`'s value, or `undefined` when it fails or `ms` pass; the timer holds the process meanwhile. */
function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    const done = (value: T | undefined): void => {
      clearTimeout(timer)
      resolve(value)
    }
    promise.then(done, () => done(undefined))
  })
}

/**
 * The breakers of one `circuitBreaker({ shared })` over Redis, for every process with the same
 * `id`. An opening is stored as `ply:<id>:circuit:open:<key>`, which expires when the breaker
 * may let a probe through, and broadcast on `ply:<id>:circuit`; each process keeps what it
 * heard in memory, so a call costs no round trip. A process asks Redis once per key, on its
 * first call for it, and again for every key after it reconnects. The probe is claimed
 * through `ply:<id>:circuit:probe:<key>`. Redis out of reach never blocks a call: the breakers
 * then work in this process alone, and a call at most once a second tries to reconnect.
 */
export function sharedCircuits(redis: CheckedRedis, id: string): SharedCircuits {
  const token = crypto.randomUUID()
  const channel = `ply:${id}:circuit`
  const openKey = (key: string): string => `ply:${id}:circuit:open:${key}`
  const probeKey = (key: string): string => `ply:${id}:circuit:probe:${key}`
  const wait = redis.connectTimeout
  const heard = new Map<string, FleetState>()
  /** Each key this process called, with its first look while under way. */
  const looked = new Map<string, Promise<void> | undefined>()
  /** Writes under way, which close() lets land (bounded). */
  const writes = new Set<Promise<unknown>>()
  let link: CircuitLink | undefined
  let opening: Promise<CircuitLink | undefined> | undefined
  let lastTry = Number.NEGATIVE_INFINITY
  let closed = false

  const hear = (key: string, openUntil: number): void => {
    heard.delete(key)
    heard.set(key, { openUntil, at: Date.now() })
    if (heard.size > MAX_KEYS) heard.delete(heard.keys().next().value as string)
  }

  const onMessage = (text: string): void => {
    let message: Broadcast
    try {
      message = JSON.parse(text) as Broadcast
    } catch {
      return
    }
    if (message.from === token || typeof message.key !== 'string') return
    const { openMs } = message
    hear(message.key, typeof openMs === 'number' ? Date.now() + openMs : 0)
  }

  const onLoss = (): void => {
    const lost = link
    link = undefined
    if (lost !== undefined) closeCircuitLink(lost)
  }

  /** What other processes opened while this one was not listening: every key it called. */
  const reread = async (current: CircuitLink): Promise<void> => {
    const keys = [...looked.keys()]
    if (keys.length === 0) return
    const replies = await current.commands.pipeline(keys.map((key) => ['pttl', openKey(key)])).exec()
    const now = Date.now()
    replies?.forEach(([error, left], i) => {
      if (error === null && typeof left === 'number' && left > 0) hear(keys[i] as string, now + left)
    })
  }

  /** The link, opening one when there is none (at most once a second); `undefined` while Redis is out of reach. */
  const connect = (): Promise<CircuitLink | undefined> => {
    if (link !== undefined) return Promise.resolve(link)
    if (opening !== undefined) return opening
    if (closed || Date.now() - lastTry < RECONNECT_MS) return Promise.resolve(undefined)
    lastTry = Date.now()
    opening = openCircuitLink(redis, id, channel, { onMessage, onLoss })
      .then(async (opened) => {
        if (closed) {
          closeCircuitLink(opened)
          return undefined
        }
        link = opened
        await reread(opened).catch(() => undefined)
        return opened
      })
      .catch(() => undefined)
      .finally(() => {
        opening = undefined
      })
    return opening
  }

  /** Sends a write without waiting for it; close() lets it land. */
  const write = (send: (current: CircuitLink) => Promise<unknown>): void => {
    const current = link
    if (current === undefined) return
    const landed = bounded(send(current), wait)
    writes.add(landed)
    void landed.then(() => writes.delete(landed))
  }

  return {
    firstLook(key) {
      if (looked.has(key)) return looked.get(key)
      const look = bounded(
        connect().then(async (current) => {
          if (current === undefined) return
          const left = await current.commands.pttl(openKey(key))
          if (left > 0) hear(key, Date.now() + left)
        }),
        wait,
      ).then(() => {
        if (looked.has(key)) looked.set(key, undefined)
      })
      looked.set(key, look)
      if (looked.size > MAX_KEYS) looked.delete(looked.keys().next().value as string)
      return look
    },
    fleet(key) {
      if (link === undefined && opening === undefined && !closed) void connect()
      return heard.get(key)
    },
    opened(key, ms) {
      const openMs = Math.max(1, Math.ceil(ms))
      const message = JSON.stringify({ from: token, key, openMs } satisfies Broadcast)
      write((current) =>
        current.commands
          .multi()
          .set(openKey(key), token, 'PX', openMs)
          .del(probeKey(key))
          .publish(channel, message)
          .exec(),
      )
    },
    closed(key) {
      const message = JSON.stringify({ from: token, key } satisfies Broadcast)
      write((current) => current.commands.multi().del(openKey(key), probeKey(key)).publish(channel, message).exec())
    },
    async claimProbe(key, ttlMs): Promise<ProbeClaim> {
      const current = link
      // Out of reach: this process probes on its own (fail safe).
      if (current === undefined) return { probe: true }
      const held = Math.max(1, Math.ceil(ttlMs))
      const answer = await bounded(current.commands.eval(CLAIM, 2, openKey(key), probeKey(key), token, held), wait)
      if (typeof answer !== 'number' || answer === 0) return { probe: true }
      return { probe: false, openMs: answer > 0 ? answer : undefined }
    },
    async close() {
      closed = true
      await opening
      await Promise.all(writes)
      onLoss()
    },
  }
}
