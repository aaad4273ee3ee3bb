import type Bottleneck from 'bottleneck'
import type { Redis } from 'ioredis'
import { AbortError, ConfigError, RateLimitError } from '../../../src/index.ts'
import {
  type Bucket,
  closeBucket,
  closeLink,
  internals,
  keepKeysAlive,
  type Link,
  openBucket,
  openLink,
  sanitize,
} from './connection.ts'
import {
  describeRedis,
  GUARD_LUA,
  GUARD_SHA,
  JOB_EXPIRATION,
  LATE_START_MS,
  type LimiterSettings,
  limiterSettings,
  MAX_PAUSE_MS,
  PAUSE_LUA,
  PAUSE_SHA,
  pauseKey,
  type RedisOptions,
  type SharedEstimate,
  type SharedHooks,
  type SharedLimiter,
  type SharedLimiters,
  type SharedLimits,
  validateRedis,
} from './options.ts'

export type {
  RedisOptions,
  SharedEstimate,
  SharedHooks,
  SharedLimiter,
  SharedLimiters,
  SharedLimits,
} from './options.ts'
export { hasSharedLimits, limiterSettings, validateRedis } from './options.ts'

type JobState = 'waiting' | 'submitted' | 'started' | 'settled'

interface Entry {
  state: JobState
  /** bottleneck's priority: 0 first, 9 last. */
  readonly priority: number
  /** bottleneck's job id, once submitted. */
  jobId?: string
  /** When it was handed to bottleneck (`performance.now()`): the limits hold it from then. */
  submittedAt?: number
  /** Bounds the wait for a reachable Redis while `waiting`; the start guard's pause after. */
  timer?: ReturnType<typeof setTimeout>
  /** Ends the start guard's pause early (abort, close). */
  wake?: () => void
  submit(link: Link, bucket: Bucket): void
  fail(error: Error): void
}

/** One group's limiter on the shared connections: what the connections report to it. */
interface Member {
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
 * ioredis and bottleneck are loaded on the first `schedule()`; nothing connects before. While
 * no call is under way the sockets ply opened are unref'd, so an idle process can exit;
 * `close()` releases everything.
 *
 * @throws ConfigError on a missing `id`, neither or both of `client` and `url`, a limit that
 *   is not a positive number, or no limit at all.
 */
export function sharedLimiter(redis: RedisOptions, limits: SharedLimits): SharedLimiter {
  const { id } = validateRedis(redis)
  const settings = limiterSettings(id, limits)
  const limiters = sharedLimiters(redis)
  const limiter = limiters.limiter(settings.id, limits)
  return { schedule: limiter.schedule, estimate: limiter.estimate, close: () => limiters.close() }
}

/**
 * Shared limiters (see `sharedLimiter`) for several groups, each under an id of its own, over
 * one pair of Redis connections, with pauses that every process sharing an id obeys.
 *
 * @throws ConfigError on a bad `redis`.
 */
export function sharedLimiters(redis: RedisOptions): SharedLimiters {
  const { connectTimeout } = validateRedis(redis)
  const where = describeRedis(redis)

  let closed = false
  let closing: Promise<void> | undefined
  let opening: Promise<void> | undefined
  let link: Link | undefined
  let lastError: Error | undefined
  /** Calls (and pause writes) under way: while there are none, the sockets are unref'd. */
  let busy = 0
  const members = new Set<Member>()

  const hold = (): void => {
    busy += 1
    if (busy === 1) link?.setBusy(true)
  }
  const letGo = (): void => {
    busy -= 1
    if (busy === 0) link?.setBusy(false)
  }

  const onError = (error: unknown): void => {
    lastError = sanitize(error)
  }
  const onUp = (): void => {
    if (closed || link === undefined || !link.up()) return
    for (const member of members) member.up()
  }
  const onLoss = (): void => {
    if (closed) return
    for (const member of members) member.lost()
  }

  const ensureLink = (): void => {
    opening ??= openLink(redis, connectTimeout, { onError, onLoss, onUp }, () => closed).then(
      (opened) => {
        if (opened === undefined) return
        link = opened
        opened.setBusy(busy > 0)
        for (const member of members) member.linked(opened)
      },
      (error: unknown) => {
        onError(error)
        opening = undefined
        for (const member of members) member.unreachable()
      },
    )
  }

  const unreachable = (): RateLimitError =>
    new RateLimitError(
      `the shared rate limiter could not reach Redis at ${where} within ${connectTimeout} ms` +
        (lastError ? ` (${lastError.message})` : '') +
        '; the call was not sent',
      { cause: lastError },
    )
  const notSent = (what: string): RateLimitError =>
    new RateLimitError(
      `the shared rate limiter could not ${what} Redis at ${where}` +
        ` (${lastError?.message ?? 'unknown error'}); the call was not sent`,
      { cause: lastError },
    )

  const member = (settings: LimiterSettings, hooks: SharedHooks): Omit<SharedLimiter, 'close'> => {
    let bucket: Bucket | undefined
    /** Whether the connections are up and this bottleneck is ready: jobs may be submitted. */
    let usable = false
    let jobCounter = 0
    /** The start of this process's last task here (`performance.now()`). */
    let lastStart = Number.NEGATIVE_INFINITY
    /** Calls that have not started their task yet. */
    const pending = new Set<Entry>()
    const guardKeys = [
      pauseKey(hooks.pauseId ?? settings.id),
      ...settings.windows.map((w) => `ply:${settings.id}:starts:${w.ms}`),
    ]
    const clientTag = Math.random().toString(36).slice(2)
    const guardArgs = (member: string): (string | number)[] => [
      member,
      ...settings.windows.flatMap((w) => [w.ms, w.limit]),
    ]

    const failWaiting = (error: () => Error): void => {
      for (const entry of [...pending]) if (entry.state === 'waiting') entry.fail(error())
    }

    const build = (current: Link): void => {
      if (bucket !== undefined || closed) return
      const built = openBucket(current, settings, onError)
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
          if (closed) {
            clearInterval(internals(limiter).heartbeat)
            return
          }
          built.ready = true
          keepKeysAlive(built)
          self.up()
        },
        (error: unknown) => {
          // bottleneck's start failed for good (its ready promise stays rejected): start afresh on the next call.
          onError(error)
          if (closed || bucket !== built) return
          bucket = undefined
          usable = false
          failWaiting(unreachable)
          void closeBucket(built, current)
        },
      )
    }

    const start = (): void => {
      if (link === undefined) ensureLink()
      else build(link)
    }

    const self: Member = {
      up() {
        if (closed || link === undefined || bucket === undefined || !bucket.ready || !link.up()) return
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
              `the shared rate limiter lost its connection to Redis at ${where}; the call was not sent`,
              { cause: lastError },
            ),
          )
        }
      },
      unreachable() {
        failWaiting(unreachable)
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
        if (current !== undefined && link !== undefined) await closeBucket(current, link)
      },
    }
    members.add(self)

    return {
      schedule<T>(
        task: (heldMs: number) => Promise<T>,
        options: { signal?: AbortSignal; priority?: number } = {},
      ): Promise<T> {
        const { signal, priority = 5 } = options
        if (closed)
          return Promise.reject(new RateLimitError('the shared rate limiter is closed; the call was not sent'))
        if (signal?.aborted) return Promise.reject(abortError(signal))
        if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
          return Promise.reject(
            new ConfigError(`priority must be an integer from 0 (first) to 9 (last), got ${priority}`),
          )
        }
        hold()
        // Released once: when the call fails before bottleneck has it, or when bottleneck's job
        // (and its bookkeeping in Redis) is over.
        let held = true
        const done = (): void => {
          if (!held) return
          held = false
          letGo()
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
                      const [wait, at, paused] = await guard(current.client, guardKeys, guardArgs(member))
                      recordedAt = at
                      if (paused) hooks.onPause?.(wait)
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
                  lastStart = performance.now()
                  leave()
                  const late = performance.now() - asked
                  if (recordedAt !== undefined && late > LATE_START_MS) {
                    moveStart(current.client, guardKeys.slice(1), member, recordedAt + Math.ceil(late)).catch(onError)
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
                .finally(done)
            },
          }
          pending.add(entry)
          signal?.addEventListener('abort', onAbort, { once: true })
          if (usable && link !== undefined && bucket !== undefined) {
            entry.submit(link, bucket)
            return
          }
          entry.timer = setTimeout(() => entry.fail(unreachable()), connectTimeout)
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
  }

  return {
    limiter(id, limits, hooks = {}) {
      return member(limiterSettings(id, limits), hooks)
    },

    pause(id, ms) {
      const current = link
      if (closed || current === undefined || !current.up() || !(ms > 0)) return
      hold()
      runScript(current.client, PAUSE_SHA, PAUSE_LUA, [pauseKey(id)], [Math.ceil(Math.min(ms, MAX_PAUSE_MS))])
        .catch(onError)
        .finally(letGo)
    },

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true
        const current = link
        if (current !== undefined) {
          // The subscriber is about to close: unsubscribing first would only fail on a dead connection.
          ;(current.connection as unknown as { terminated: boolean }).terminated = true
        }
        await Promise.all([...members].map((m) => m.close()))
        await opening
        // The link may have opened while the members closed.
        const opened = link
        link = undefined
        if (opened !== undefined) {
          ;(opened.connection as unknown as { terminated: boolean }).terminated = true
          await closeLink(opened)
        }
      })()
      return closing
    },
  }
}

/** Runs a script by its SHA, loading it on the first use. */
async function runScript(
  client: Redis,
  sha: string,
  lua: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    return await client.eval(lua, keys.length, ...keys, ...args)
  }
}

/**
 * Runs the start guard: `[0, at, false]` when the start is recorded (at Redis's time `at`),
 * `[ms, undefined, false]` when a window is full, `[ms, undefined, true]` while a shared pause
 * holds; `ms` is the wait before asking again.
 */
async function guard(
  client: Redis,
  keys: string[],
  args: (string | number)[],
): Promise<[wait: number, at: number | undefined, paused: boolean]> {
  const reply = await runScript(client, GUARD_SHA, GUARD_LUA, keys, args)
  if (!Array.isArray(reply)) return [Math.max(1, Number(reply)), undefined, false]
  if (Number(reply[0]) === 1) return [Math.max(1, Number(reply[1])), undefined, true]
  return [0, Number(reply[1]), false]
}

/** Moves a recorded start later (see LATE_START_MS); other processes then count it from there. */
function moveStart(client: Redis, keys: string[], member: string, at: number): Promise<unknown> {
  if (keys.length === 0) return Promise.resolve()
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
