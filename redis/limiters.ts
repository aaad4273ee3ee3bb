import { randomBytes } from 'node:crypto'
import type { SharedLimiter, SharedLimiters, SharedLimits } from '../middleware/ratelimit/shared.ts'
import { RateLimitError } from '../src/index.ts'
import { closeLink, type Link, openLink, sanitize } from './connection.ts'
import type { Hub, Member } from './hub.ts'
import { createMember } from './member.ts'
import { checkRedis, describeRedis, type RedisConnectionOptions, requireId } from './options.ts'
import { MAX_PAUSE_MS, PAUSE_LUA, runScript } from './scripts.ts'
import { limiterSettings, pauseKey } from './settings.ts'

/**
 * A rate limiter shared by every process with the same `id`, through Redis (ply's own Lua
 * scripts, with Redis's clock).
 *
 * A call holds a lease in Redis from its release until its task settles, and each window then
 * counts it from its settle time: since a request cannot reach the server before it is
 * released nor after its answer came, no window of arrivals at the server holds more than the
 * limit, whatever the delay between release and arrival (a new connection, a TLS handshake).
 * Starts are also spaced evenly across the cluster, `window / limit` apart for the tightest
 * window, rather than let through in bursts. The rate is the limit per window plus one round
 * trip: at least 95% of it while the round trip is under 5% of the window. `concurrency`
 * bounds the calls in flight cluster-wide. Each process keeps its own limits: processes
 * sharing an `id` should configure the same ones.
 *
 * Redis is never optional once configured: when it cannot be reached (at start, or after the
 * connection drops) a call fails with `RateLimitError` within `connectTimeout` instead of
 * running unlimited; a call whose task has started is not affected. When Redis comes back
 * empty (a restart, a failover, a flush), the scripts recreate their keys and each process
 * adds its calls still in flight or within a window again before it admits more. An aborted
 * call leaves no trace.
 *
 * ioredis is loaded on the first `schedule()`; nothing connects before. While no call is
 * under way the sockets ply opened are unref'd, so an idle process can exit; `close()`
 * releases everything.
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
  /** Names this process's leases: unique among the processes that share the Redis. */
  const tag = randomBytes(6).toString('base64url')

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
        // A client passed ready gives no 'ready' event.
        if (opened.up()) onUp()
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
    tag,
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
      runScript(current.client, PAUSE_LUA, [pauseKey(id)], [Math.ceil(Math.min(ms, MAX_PAUSE_MS))])
        .catch(onError)
        .finally(letGo)
    },

    close(): Promise<void> {
      closing ??= (async () => {
        closed = true
        await Promise.all([...members].map((m) => m.close()))
        await opening
        // The link may have opened while the members closed.
        const opened = link
        link = undefined
        if (opened !== undefined) await closeLink(opened)
      })()
      return closing
    },
  }
}
