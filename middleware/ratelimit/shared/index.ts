import type Bottleneck from 'bottleneck'
import type { Redis } from 'ioredis'
import { AbortError, ConfigError, RateLimitError } from '../../../src/index.ts'
import { dispose, internals, keepKeysAlive, openSession, type Session, sanitize } from './connection.ts'
import {
  describeRedis,
  GUARD_LUA,
  GUARD_SHA,
  JOB_EXPIRATION,
  LATE_START_MS,
  type RedisOptions,
  type SharedLimiter,
  type SharedLimits,
  validate,
} from './options.ts'

export type { RedisOptions, SharedLimiter, SharedLimits } from './options.ts'

type JobState = 'waiting' | 'submitted' | 'started' | 'settled'

interface Entry {
  state: JobState
  /** bottleneck's job id, once submitted. */
  jobId?: string
  /** When it was handed to bottleneck (`performance.now()`): the limits hold it from then. */
  submittedAt?: number
  /** Bounds the wait for a reachable Redis while `waiting`; the start guard's pause after. */
  timer?: ReturnType<typeof setTimeout>
  /** Ends the start guard's pause early (abort, close). */
  wake?: () => void
  submit(session: Session): void
  fail(error: Error): void
}

/**
 * A rate limiter shared by every process with the same `redis.id`, built on bottleneck's Redis
 * clustering (`datastore: 'ioredis'`).
 *
 * The shared mode spaces requests evenly rather than allowing bursts: consecutive starts
 * across the whole cluster are `max(1000 / perSecond, 60000 / perMinute, 3600000 / perHour)`
 * ms apart, each window lengthened by 35 ms, and every start is also checked against a
 * sliding window in Redis (with 25 ms of margin) when it happens. So no window ever holds more
 * than its limit, even when a timer runs late, and the combined rate is the configured one
 * less 3.4% at per-second limits (0.06% at per-minute ones). A burst that the local limiter
 * would let through at once is spread out here. `concurrency` bounds the tasks running at once
 * cluster-wide. Processes sharing an `id` should configure the same limits: the limits of the
 * one that started last apply to all.
 *
 * Redis is never optional once configured: when it cannot be reached (at start, or after the
 * connection drops) a call fails with `RateLimitError` within `redis.connectTimeout` instead
 * of running unlimited; a call whose task has started is not affected. An aborted call that
 * was already queued leaves its reserved slot unused (the limits can only be undershot).
 *
 * ioredis and bottleneck are loaded on the first `schedule()`; nothing connects before.
 * Call `close()` when done: the Redis connections keep the process alive until then.
 *
 * @throws ConfigError on a missing `id`, neither or both of `client` and `url`, a limit that
 *   is not a positive number, or no limit at all.
 */
export function sharedLimiter(redis: RedisOptions, limits: SharedLimits): SharedLimiter {
  const settings = validate(redis, limits)
  const where = describeRedis(redis)

  let closed = false
  let closing: Promise<void> | undefined
  let starting: Promise<void> | undefined
  let session: Session | undefined
  /** Whether the connections are up and bottleneck is ready: jobs may be submitted. */
  let usable = false
  let lastError: Error | undefined
  let jobCounter = 0
  /** Calls that have not started their task yet. */
  const pending = new Set<Entry>()

  const guardKeys = settings.windows.map((w) => `ply:${settings.id}:starts:${w.ms}`)
  const clientTag = Math.random().toString(36).slice(2)
  const guardArgs = (member: string): (string | number)[] => [
    member,
    ...settings.windows.flatMap((w) => [w.ms, w.limit]),
  ]
  const notSent = (what: string): RateLimitError =>
    new RateLimitError(
      `the shared rate limiter could not ${what} Redis at ${where}` +
        ` (${lastError?.message ?? 'unknown error'}); the call was not sent`,
      { cause: lastError },
    )

  const unreachable = (): RateLimitError =>
    new RateLimitError(
      `the shared rate limiter could not reach Redis at ${where} within ${settings.connectTimeout} ms` +
        (lastError ? ` (${lastError.message})` : '') +
        '; the call was not sent',
      { cause: lastError },
    )

  const onError = (error: unknown): void => {
    lastError = sanitize(error)
  }

  const onUp = (): void => {
    const s = session
    if (closed || s === undefined || !s.ready || s.client.status !== 'ready' || s.subscriber.status !== 'ready') return
    usable = true
    for (const entry of [...pending]) if (entry.state === 'waiting') entry.submit(s)
  }

  const onLoss = (): void => {
    if (closed || !usable) return
    usable = false
    const s = session
    // Calls bottleneck already gave a start time keep their turn (they still need Redis for the
    // start guard); the others cannot get one now, so they fail rather than wait for a pub/sub
    // message that was lost with the connection.
    for (const entry of [...pending]) {
      if (entry.state !== 'submitted' || s === undefined || entry.jobId === undefined) continue
      const status = s.limiter.jobStatus(entry.jobId)
      if (status === 'RUNNING' || status === 'EXECUTING') continue
      entry.fail(
        new RateLimitError(`the shared rate limiter lost its connection to Redis at ${where}; the call was not sent`, {
          cause: lastError,
        }),
      )
    }
  }

  const start = async (): Promise<void> => {
    const current = await openSession(redis, settings, { onError, onLoss, onUp }, () => closed)
    if (current === undefined) return
    session = current
    const { limiter } = current
    const whenReady = async (): Promise<void> => {
      await limiter.ready()
      // bottleneck keeps the settings it finds in Redis: without this, limits changed in the
      // configuration would wait for the keys to expire. The last process to start wins.
      await limiter.updateSettings({ minTime: settings.minTime, maxConcurrent: settings.concurrency ?? null })
    }
    whenReady().then(
      () => {
        // A close() that ran while bottleneck was starting missed the heartbeat it just created.
        if (closed) {
          clearInterval(internals(limiter).heartbeat)
          return
        }
        current.ready = true
        keepKeysAlive(current)
        onUp()
      },
      (error: unknown) => {
        // bottleneck's start failed for good (its ready promise stays rejected): start afresh on the next call.
        onError(error)
        if (closed || session !== current) return
        session = undefined
        starting = undefined
        usable = false
        for (const entry of [...pending]) if (entry.state === 'waiting') entry.fail(unreachable())
        void dispose(current)
      },
    )
  }

  const ensureStarted = (): void => {
    starting ??= start().catch((error: unknown) => {
      onError(error)
      starting = undefined
      for (const entry of [...pending]) if (entry.state === 'waiting') entry.fail(unreachable())
    })
  }

  return {
    schedule<T>(
      task: (heldMs: number) => Promise<T>,
      options: { signal?: AbortSignal; priority?: number } = {},
    ): Promise<T> {
      const { signal, priority = 5 } = options
      if (closed) return Promise.reject(new RateLimitError('the shared rate limiter is closed; the call was not sent'))
      if (signal?.aborted) return Promise.reject(abortError(signal))
      if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
        return Promise.reject(
          new ConfigError(`priority must be an integer from 0 (first) to 9 (last), got ${priority}`),
        )
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
          fail(error) {
            if (entry.state === 'started' || entry.state === 'settled') return
            entry.state = 'settled'
            leave()
            reject(error)
          },
          submit(s) {
            if (entry.state !== 'waiting') return
            entry.state = 'submitted'
            entry.submittedAt = performance.now()
            if (entry.timer !== undefined) clearTimeout(entry.timer)
            jobCounter += 1
            entry.jobId = `ply-${jobCounter}`
            const job: Bottleneck.JobOptions = { id: entry.jobId, priority }
            if (settings.concurrency !== undefined) Object.assign(job, { expiration: JOB_EXPIRATION })
            s.limiter
              .schedule(job, async () => {
                // A call that was aborted (or failed) while queued leaves its slot unused.
                if (entry.state !== 'submitted') return
                const member = `${clientTag}:${entry.jobId}`
                let asked = 0
                let recordedAt: number | undefined
                try {
                  for (;;) {
                    asked = performance.now()
                    const [wait, at] = await guard(s.client, guardKeys, guardArgs(member))
                    recordedAt = at
                    if (entry.state !== 'submitted' || wait <= 0) break
                    await new Promise<void>((wake) => {
                      entry.wake = wake
                      entry.timer = setTimeout(wake, wait)
                    })
                    if (entry.state !== 'submitted') break
                  }
                } catch (error) {
                  onError(error)
                  entry.fail(notSent('check the start against the limits in'))
                  return
                }
                if (entry.state !== 'submitted') return
                entry.state = 'started'
                leave()
                const late = performance.now() - asked
                if (recordedAt !== undefined && late > LATE_START_MS) {
                  moveStart(s.client, guardKeys, member, recordedAt + Math.ceil(late)).catch(onError)
                }
                // The caller's promise settles with the task, not after bottleneck's Redis bookkeeping.
                try {
                  resolve(await task(performance.now() - (entry.submittedAt ?? asked)))
                } catch (error) {
                  reject(error)
                }
              })
              .catch((error: unknown) => {
                onError(error)
                entry.fail(notSent('schedule the call through'))
              })
          },
        }
        pending.add(entry)
        signal?.addEventListener('abort', onAbort, { once: true })
        if (usable && session !== undefined) {
          entry.submit(session)
          return
        }
        entry.timer = setTimeout(() => entry.fail(unreachable()), settings.connectTimeout)
        ensureStarted()
      })
    },

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true
        usable = false
        for (const entry of [...pending]) {
          entry.fail(new RateLimitError('the shared rate limiter was closed before the call could start'))
        }
        await starting
        const current = session
        session = undefined
        if (current !== undefined) await dispose(current)
      })()
      return closing
    },
  }
}

/** Runs the start guard; resolves to the ms to wait before asking again, or 0 when the start is recorded. */
async function guard(client: Redis, keys: string[], args: (string | number)[]): Promise<[number, number?]> {
  if (keys.length === 0) return [0]
  let reply: unknown
  try {
    reply = await client.evalsha(GUARD_SHA, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    reply = await client.eval(GUARD_LUA, keys.length, ...keys, ...args)
  }
  return Array.isArray(reply) ? [0, Number(reply[1])] : [Math.max(1, Number(reply))]
}

/** Moves a recorded start later (see LATE_START_MS); other processes then count it from there. */
function moveStart(client: Redis, keys: string[], member: string, at: number): Promise<unknown> {
  return client
    .pipeline(keys.map((key) => ['zadd', key, 'XX', at, member]))
    .exec()
    .then((results) => {
      const failed = results?.find(([error]) => error)
      if (failed) throw failed[0]
    })
}

function abortError(signal: AbortSignal): AbortError {
  return new AbortError('the request was aborted while waiting for the shared rate limit', { cause: signal.reason })
}
