import type { SharedEstimate, SharedHooks, SharedLimiter } from '../middleware/ratelimit/shared.ts'
import { ConfigError, RateLimitError } from '../src/index.ts'
import { withTimeout } from './connection.ts'
import type { Hub, Member } from './hub.ts'
import { abortError, createEntry, type Entry, enqueue } from './job.ts'
import { hasOwn, ownCalls, settled, started, syncArgs } from './own-calls.ts'
import { type Admission, acquire, type LeaseNames, settle, sync } from './scripts.ts'
import { CLOSE_TIMEOUT, LEASE_RENEW_MS, type LimiterSettings, limiterKeys, MAX_BATCH } from './settings.ts'

/**
 * One group's limiter: a queue in this process (by priority, then first come), whose head asks
 * Redis for admission (one request at a time, for up to `MAX_BATCH` calls), waits as long as
 * Redis says (or until a settle wakes it), and runs the admitted calls' tasks. Each settle is
 * written back when its task settles.
 */
export function createMember(
  hub: Hub,
  settings: LimiterSettings,
  hooks: SharedHooks,
): { limiter: SharedLimiter; member: Member } {
  const keys = limiterKeys(settings.id, hooks.pauseId ?? settings.id)
  const { retention } = settings
  const queue: Entry[] = []
  const own = ownCalls()
  /** The settles being written (and the running calls'), awaited (bounded) by close(). */
  const settling = new Set<Promise<unknown>>()
  let usable = false
  /** An admission or a re-sync is under way (one at a time). */
  let asking = false
  let sleep: ReturnType<typeof setTimeout> | undefined
  /** The head sleeps until a call in flight settles (or a poll). */
  let sleepsOnSettle = false
  let renewal: ReturnType<typeof setInterval> | undefined
  let epoch = ''
  let order = 0
  let leases = 0
  /** The start of this process's last task here (`performance.now()`). */
  let lastStart = Number.NEGATIVE_INFINITY

  const failQueued = (error: () => Error): void => {
    for (const entry of [...queue]) entry.fail(error())
  }
  const wake = (): void => {
    if (sleepsOnSettle) pump()
  }
  /** A settle or a renewal found another epoch: Redis lost its state, so re-add this process's calls. */
  const onReply = (reply: string): void => {
    if (reply === epoch) return
    own.stale = true
    pump()
  }

  /** Keeps the leases of the calls in flight from running out while they run. */
  const renew = (): void => {
    const link = hub.link()
    if (own.inFlight.size === 0 || link === undefined || !link.up()) return
    sync(link.client, keys, settings, [...own.inFlight], []).then(onReply, (error: unknown) => {
      hub.onError(error)
      own.stale = true
    })
  }

  const finish = (member: string): void => {
    settled(own, member, performance.now(), retention)
    if (own.inFlight.size === 0) {
      clearInterval(renewal)
      renewal = undefined
    }
    const link = hub.link()
    let written: Promise<unknown>
    if (link?.up() === true) {
      written = settle(link.client, keys, settings, member).then(onReply, (error: unknown) => {
        hub.onError(error)
        own.stale = true
      })
    } else {
      // Redis learns of it when this process adds its calls again, once reconnected.
      own.stale = true
      written = Promise.resolve()
    }
    settling.add(written)
    void written.finally(() => {
      settling.delete(written)
      hub.letGo()
    })
    wake()
  }

  const admit = (member: string): void => {
    const entry = queue[0]
    if (entry === undefined || hub.closed() || !usable) {
      // Nobody to give the turn to (aborted, closed or lost meanwhile): the lease goes back at once.
      hub.hold()
      started(own, member)
      finish(member)
      return
    }
    started(own, member)
    lastStart = performance.now()
    renewal ??= setInterval(renew, LEASE_RENEW_MS)
    renewal.unref?.()
    const running = new Promise<void>((done) => entry.start(() => done(finish(member))))
    settling.add(running)
    void running.finally(() => settling.delete(running))
  }

  const rest = (ms: number, onSettle: boolean): void => {
    sleepsOnSettle = onSettle
    sleep = setTimeout(pump, Math.max(1, Math.ceil(ms)))
  }

  const answered = (names: LeaseNames, answer: Admission): void => {
    if (answer.kind === 'admitted') {
      epoch = answer.epoch
      // Still asking while the batch starts: a call leaving the queue must not ask again.
      for (let i = 0; i < answer.count; i++) admit(`${names.prefix}${names.first + i}`)
      asking = false
      if (answer.ms > 0 && queue.length > 0 && usable) rest(answer.ms, false)
      else pump()
      return
    }
    asking = false
    if (hub.closed() || !usable) return
    if (answer.kind !== 'lost') epoch = answer.epoch
    if (answer.kind === 'lost') {
      own.stale = true
      pump()
    } else if (answer.kind === 'paused') {
      hooks.onPause?.(answer.ms)
      rest(answer.ms, false)
    } else {
      rest(answer.ms, answer.blocked)
    }
  }

  const failed = (error: unknown, what: string): void => {
    asking = false
    hub.onError(error)
    if (hub.closed() || !usable) return
    if (hub.link()?.up() !== true) {
      member.lost()
      return
    }
    // Redis answered with an error: this call fails, and the next one asks again (so a Redis
    // that keeps failing costs one round trip per call, and nothing once none waits).
    const head = queue[0]
    if (head === undefined) return
    head.fail(hub.notSent(what))
    pump()
  }

  /** Asks for the head's admission, after re-adding this process's calls if Redis may lack them. */
  const pump = (): void => {
    clearTimeout(sleep)
    sleep = undefined
    sleepsOnSettle = false
    const link = hub.link()
    if (asking || !usable || hub.closed() || link === undefined || !link.up()) return
    const now = performance.now()
    const mine = hasOwn(own, retention, now)
    if (own.stale && mine) {
      asking = true
      const { leases: inFlight, settled: done } = syncArgs(own, retention, now)
      sync(link.client, keys, settings, inFlight, done).then(
        (reply) => {
          asking = false
          epoch = reply
          own.stale = false
          pump()
        },
        (error: unknown) => failed(error, 'count its earlier calls again in'),
      )
      return
    }
    own.stale = false
    if (queue.length === 0) return
    asking = true
    const names: LeaseNames = { prefix: `${hub.tag}:`, first: leases + 1, want: Math.min(queue.length, MAX_BATCH) }
    leases += names.want
    acquire(link.client, keys, settings, names, epoch, mine).then(
      (answer) => answered(names, answer),
      (error: unknown) => failed(error, 'schedule the call through'),
    )
  }

  const member: Member = {
    up() {
      const link = hub.link()
      if (hub.closed() || link === undefined || !link.up()) return
      link.listen(keys.channel, wake)
      const now = performance.now()
      for (const entry of queue) {
        clearTimeout(entry.timer)
        entry.timer = undefined
        entry.heldSince ??= now
      }
      usable = true
      pump()
    },
    lost() {
      own.stale = true
      if (!usable) return
      usable = false
      clearTimeout(sleep)
      failQueued(
        () =>
          new RateLimitError(
            `the shared rate limiter lost its connection to Redis at ${hub.where}; the call was not sent`,
            { cause: hub.lastError() },
          ),
      )
    },
    unreachable() {
      failQueued(hub.unreachable)
    },
    async close() {
      usable = false
      clearTimeout(sleep)
      failQueued(() => new RateLimitError('the shared rate limiter was closed before the call could start'))
      // The running calls, then the settles they write (which start as the calls settle).
      const until = performance.now() + CLOSE_TIMEOUT
      while (settling.size > 0 && performance.now() < until) {
        await withTimeout(Promise.allSettled([...settling]), until - performance.now())
      }
      clearInterval(renewal)
    },
  }

  const limiter: SharedLimiter = {
    schedule<T>(
      task: (heldMs: number) => Promise<T>,
      options: { signal?: AbortSignal; priority?: number } = {},
    ): Promise<T> {
      const { signal, priority = 5 } = options
      if (hub.closed()) {
        return Promise.reject(new RateLimitError('the shared rate limiter is closed; the call was not sent'))
      }
      if (signal?.aborted) return Promise.reject(abortError(signal))
      if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
        return Promise.reject(
          new ConfigError(`priority must be an integer from 0 (first) to 9 (last), got ${priority}`),
        )
      }
      // Held until the call fails before it starts, or its settle has been written.
      hub.hold()
      return new Promise<T>((resolve, reject) => {
        const entry = createEntry({
          task,
          priority,
          order: order++,
          signal,
          resolve,
          reject,
          leave: (left) => {
            const at = queue.indexOf(left)
            if (at !== -1) queue.splice(at, 1)
            if (left.state === 'settled') hub.letGo()
            // A head that left while it slept hands its turn on now; one that left while its
            // admission was being asked hands on the answer (see `admit`).
            if (at === 0 && !asking) pump()
          },
        })
        enqueue(queue, entry)
        if (usable && hub.link()?.up() === true) {
          entry.heldSince = performance.now()
          pump()
          return
        }
        entry.timer = setTimeout(() => entry.fail(hub.unreachable()), hub.connectTimeout)
        const link = hub.link()
        if (link === undefined) hub.ensureLink()
        else if (link.up()) member.up()
      })
    },

    estimate(priority = 5): SharedEstimate {
      const { spacing } = settings
      if (spacing === 0) return { waitMs: 0, waiting: 0 }
      const now = performance.now()
      let ahead = 0
      for (const entry of queue) if (entry.priority <= priority) ahead += 1
      const nextAt = Math.max(now, lastStart + spacing)
      // The first call queued here starts as soon as the spacing allows: it is not waiting when that is now.
      const waiting = queue.length - (nextAt <= now && queue.length > 0 ? 1 : 0)
      return { waitMs: nextAt - now + ahead * spacing, waiting }
    },
  }

  return { limiter, member }
}
