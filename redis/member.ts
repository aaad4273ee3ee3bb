import type { SharedEstimate, SharedHooks, SharedLimiter } from '../middleware/ratelimit/shared.ts'
import { AbortError, ConfigError, RateLimitError } from '../src/index.ts'
import { type Bucket, closeBucket, internals, keepKeysAlive, type Link, openBucket } from './connection.ts'
import { type Entry, type JobScope, submitJob } from './job.ts'
import { pauseKey } from './scripts.ts'
import type { LimiterSettings } from './settings.ts'

/** What the limiters of one `sharedLimiters()` share: its connections and its errors. */
export interface Hub {
  /** How long a call waits for a reachable Redis, in ms. */
  readonly connectTimeout: number
  /** The Redis, named for messages without its password. */
  readonly where: string
  closed(): boolean
  /** The connections, once open. */
  link(): Link | undefined
  /** Opens the connections if they are not open or opening. */
  ensureLink(): void
  /** A call (or a pause write) is under way; `letGo()` when it is over. */
  hold(): void
  letGo(): void
  onError(error: unknown): void
  lastError(): Error | undefined
  unreachable(): RateLimitError
  notSent(what: string): RateLimitError
}

/** One group's limiter on the shared connections: what the connections report to it. */
export interface Member {
  /** The connections (and this limiter's bottleneck) are up: submit what waits. */
  up(): void
  /** A connection was lost. */
  lost(): void
  /** The connections could not be opened. */
  unreachable(): void
  /** The link opened: build this limiter's bottleneck on it if a call waits. */
  linked(link: Link): void
  /** Fails every call not yet started and stops this limiter's bottleneck. */
  close(): Promise<void>
}

/** One group's limiter on the hub's connections: the caller's side and the hub's side. */
export function createMember(
  hub: Hub,
  settings: LimiterSettings,
  hooks: SharedHooks,
): { limiter: SharedLimiter; member: Member } {
  let bucket: Bucket | undefined
  /** Whether the connections are up and this bottleneck is ready: jobs may be submitted. */
  let usable = false
  let jobCounter = 0
  /** The start of this process's last task here (`performance.now()`). */
  let lastStart = Number.NEGATIVE_INFINITY
  /** Calls that have not started their task yet. */
  const pending = new Set<Entry>()
  const scope: JobScope = {
    settings,
    hooks,
    guardKeys: [
      pauseKey(hooks.pauseId ?? settings.id),
      ...settings.windows.map((w) => `ply:${settings.id}:starts:${w.ms}`),
    ],
    guardArgs: (member) => [member, ...settings.windows.flatMap((w) => [w.ms, w.limit])],
    clientTag: Math.random().toString(36).slice(2),
    nextJobId: () => `ply-${++jobCounter}`,
    started: () => {
      lastStart = performance.now()
    },
    onError: hub.onError,
    notSent: hub.notSent,
  }

  const failWaiting = (error: () => Error): void => {
    for (const entry of [...pending]) if (entry.state === 'waiting') entry.fail(error())
  }

  const build = (current: Link): void => {
    if (bucket !== undefined || hub.closed()) return
    const built = openBucket(current, settings, hub.onError)
    bucket = built
    const { limiter } = built
    const whenReady = async (): Promise<void> => {
      await limiter.ready()
      // bottleneck keeps the settings it finds in Redis: without this, limits changed in the
      // configuration would wait for the keys to expire. The last process to start wins.
      await limiter.updateSettings({ minTime: settings.minTime, maxConcurrent: settings.concurrency ?? null })
    }
    whenReady().then(
      () => {
        // A close() that ran while bottleneck was starting missed the heartbeat it just created.
        if (hub.closed()) {
          clearInterval(internals(limiter).heartbeat)
          return
        }
        built.ready = true
        keepKeysAlive(built)
        member.up()
      },
      (error: unknown) => {
        // bottleneck's start failed for good (its ready promise stays rejected): start afresh on the next call.
        hub.onError(error)
        if (hub.closed() || bucket !== built) return
        bucket = undefined
        usable = false
        failWaiting(hub.unreachable)
        void closeBucket(built, current)
      },
    )
  }

  const start = (): void => {
    const link = hub.link()
    if (link === undefined) hub.ensureLink()
    else build(link)
  }

  const member: Member = {
    up() {
      const link = hub.link()
      if (hub.closed() || link === undefined || bucket === undefined || !bucket.ready || !link.up()) return
      usable = true
      for (const entry of [...pending]) if (entry.state === 'waiting') entry.submit(link, bucket)
    },
    lost() {
      if (!usable) return
      usable = false
      // Calls bottleneck already gave a start time keep their turn (they still need Redis for the
      // start guard); the others cannot get one now, so they fail rather than wait for a pub/sub
      // message that was lost with the connection.
      for (const entry of [...pending]) {
        if (entry.state !== 'submitted' || bucket === undefined || entry.jobId === undefined) continue
        const status = bucket.limiter.jobStatus(entry.jobId)
        if (status === 'RUNNING' || status === 'EXECUTING') continue
        entry.fail(
          new RateLimitError(
            `the shared rate limiter lost its connection to Redis at ${hub.where}; the call was not sent`,
            { cause: hub.lastError() },
          ),
        )
      }
    },
    unreachable() {
      failWaiting(hub.unreachable)
    },
    linked(current) {
      if (pending.size > 0) build(current)
    },
    async close() {
      usable = false
      for (const entry of [...pending]) {
        entry.fail(new RateLimitError('the shared rate limiter was closed before the call could start'))
      }
      const current = bucket
      bucket = undefined
      const link = hub.link()
      if (current !== undefined && link !== undefined) await closeBucket(current, link)
    },
  }

  const limiter: SharedLimiter = {
    schedule<T>(
      task: (heldMs: number) => Promise<T>,
      options: { signal?: AbortSignal; priority?: number } = {},
    ): Promise<T> {
      const { signal, priority = 5 } = options
      if (hub.closed())
        return Promise.reject(new RateLimitError('the shared rate limiter is closed; the call was not sent'))
      if (signal?.aborted) return Promise.reject(abortError(signal))
      if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
        return Promise.reject(
          new ConfigError(`priority must be an integer from 0 (first) to 9 (last), got ${priority}`),
        )
      }
      hub.hold()
      // Released once: when the call fails before bottleneck has it, or when bottleneck's job
      // (and its bookkeeping in Redis) is over.
      let held = true
      const done = (): void => {
        if (!held) return
        held = false
        hub.letGo()
      }
      return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => {
          if (signal) entry.fail(abortError(signal))
        }
        const leave = (): void => {
          pending.delete(entry)
          signal?.removeEventListener('abort', onAbort)
          if (entry.timer !== undefined) clearTimeout(entry.timer)
          entry.wake?.()
        }
        const entry: Entry = {
          state: 'waiting',
          priority,
          fail(error) {
            if (entry.state === 'started' || entry.state === 'settled') return
            if (entry.state === 'waiting') done()
            entry.state = 'settled'
            leave()
            reject(error)
          },
          submit(current, s) {
            submitJob(scope, entry, current, s, { task, resolve, reject, leave, done })
          },
        }
        pending.add(entry)
        signal?.addEventListener('abort', onAbort, { once: true })
        const link = hub.link()
        if (usable && link !== undefined && bucket !== undefined) {
          entry.submit(link, bucket)
          return
        }
        entry.timer = setTimeout(() => entry.fail(hub.unreachable()), hub.connectTimeout)
        start()
      })
    },

    estimate(priority = 5): SharedEstimate {
      if (settings.minTime === 0) return { waitMs: 0, waiting: 0 }
      const now = performance.now()
      let ahead = 0
      for (const entry of pending) if (entry.priority <= priority) ahead += 1
      const nextAt = Math.max(now, lastStart + settings.minTime)
      // The first call queued here starts as soon as the spacing allows: it is not waiting when that is now.
      const waiting = pending.size - (nextAt <= now && pending.size > 0 ? 1 : 0)
      return { waitMs: nextAt - now + ahead * settings.minTime, waiting }
    },
  }

  return { limiter, member }
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('the request was aborted while waiting for the shared rate limit', { cause: signal.reason })
}
