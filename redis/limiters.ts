import type { SharedLimiter, SharedLimiters, SharedLimits } from '../middleware/ratelimit/shared.ts'
import { RateLimitError } from '../src/index.ts'
import { closeLink, type Link, openLink, sanitize } from './connection.ts'
import { createMember, type Hub, type Member } from './member.ts'
import { checkRedis, describeRedis, type RedisConnectionOptions, requireId } from './options.ts'
import { MAX_PAUSE_MS, PAUSE_LUA, PAUSE_SHA, pauseKey, runScript } from './scripts.ts'
import { limiterSettings } from './settings.ts'

/**
 * A rate limiter shared by every process with the same `id`, built on bottleneck's Redis
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
 * connection drops) a call fails with `RateLimitError` within `connectTimeout` instead
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
export function sharedLimiter(
  redis: RedisConnectionOptions,
  limits: SharedLimits,
): SharedLimiter & { close(): Promise<void> } {
  const limiters = sharedLimiters(redis)
  const limiter = limiters.limiter(limiters.id, limits)
  return { schedule: limiter.schedule, estimate: limiter.estimate, close: () => limiters.close() }
}

/**
 * Shared limiters (see `sharedLimiter`) for several groups, each under an id of its own, over
 * one pair of Redis connections, with pauses that every process sharing an id obeys. ply
 * closes the connections it opened (from a `url`) in `close()`, never a `client` you passed.
 *
 * @throws ConfigError on bad options or a missing `id`.
 */
export function sharedLimiters(options: RedisConnectionOptions): SharedLimiters {
  const redis = checkRedis(options)
  const id = requireId(redis, 'shared limits')
  const { connectTimeout } = redis
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
    opening ??= openLink(redis, id, { onError, onLoss, onUp }, () => closed).then(
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

  const hub: Hub = {
    connectTimeout,
    where,
    closed: () => closed,
    link: () => link,
    ensureLink,
    hold,
    letGo,
    onError,
    lastError: () => lastError,
    unreachable,
    notSent,
  }

  return {
    id,

    limiter(limiterId, limits, hooks = {}) {
      const { limiter, member } = createMember(hub, limiterSettings(limiterId, limits), hooks)
      members.add(member)
      return limiter
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
