import type Bottleneck from 'bottleneck'
import type { SharedHooks } from '../middleware/ratelimit/shared.ts'
import type { RateLimitError } from '../src/index.ts'
import type { Bucket, Link } from './connection.ts'
import { guard, moveStart } from './scripts.ts'
import { JOB_EXPIRATION, LATE_START_MS, type LimiterSettings } from './settings.ts'

/** Where a call stands: waiting for Redis, handed to bottleneck, its task started, or over. */
export type JobState = 'waiting' | 'submitted' | 'started' | 'settled'

/** A call of a shared limiter, from `schedule()` until its task starts or it fails. */
export interface Entry {
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

/** What a submitted call needs from its limiter. */
export interface JobScope {
  readonly settings: LimiterSettings
  readonly hooks: SharedHooks
  /** The pause key, then one start-guard key per window. */
  readonly guardKeys: string[]
  guardArgs(member: string): (string | number)[]
  /** Tells the members of the start guard's sets of this process from those of the others. */
  readonly clientTag: string
  /** A new bottleneck job id. */
  nextJobId(): string
  /** Notes that a task of this limiter started now. */
  started(): void
  onError(error: unknown): void
  notSent(what: string): RateLimitError
}

/** The caller's side of a call: its task, how to settle its promise and how to leave the queue. */
export interface JobCall<T> {
  readonly task: (heldMs: number) => Promise<T>
  resolve(value: T): void
  reject(error: unknown): void
  /** Takes the call off the limiter's queue (its timers and abort listener with it). */
  leave(): void
  /** Releases the limiter's hold once bottleneck's job (and its bookkeeping in Redis) is over. */
  done(): void
}

/**
 * Hands a waiting call to bottleneck. When bottleneck starts its job, the start guard checks
 * (and records) the start against the windows and the shared pause in Redis, waiting as long as
 * it says; then the task runs, and the caller's promise settles with it.
 */
export function submitJob<T>(scope: JobScope, entry: Entry, current: Link, bucket: Bucket, call: JobCall<T>): void {
  if (entry.state !== 'waiting') return
  entry.state = 'submitted'
  entry.submittedAt = performance.now()
  if (entry.timer !== undefined) clearTimeout(entry.timer)
  entry.jobId = scope.nextJobId()
  const job: Bottleneck.JobOptions = { id: entry.jobId, priority: entry.priority }
  if (scope.settings.concurrency !== undefined) Object.assign(job, { expiration: JOB_EXPIRATION })
  bucket.limiter
    .schedule(job, async () => {
      // A call that was aborted (or failed) while queued leaves its slot unused.
      if (entry.state !== 'submitted') return
      const member = `${scope.clientTag}:${entry.jobId}`
      let asked = 0
      let recordedAt: number | undefined
      try {
        for (;;) {
          asked = performance.now()
          const [wait, at, paused] = await guard(current.client, scope.guardKeys, scope.guardArgs(member))
          recordedAt = at
          if (paused) scope.hooks.onPause?.(wait)
          if (entry.state !== 'submitted' || wait <= 0) break
          await new Promise<void>((wake) => {
            entry.wake = wake
            entry.timer = setTimeout(wake, wait)
          })
          if (entry.state !== 'submitted') break
        }
      } catch (error) {
        scope.onError(error)
        entry.fail(scope.notSent('check the start against the limits in'))
        return
      }
      if (entry.state !== 'submitted') return
      entry.state = 'started'
      scope.started()
      call.leave()
      const late = performance.now() - asked
      if (recordedAt !== undefined && late > LATE_START_MS) {
        moveStart(current.client, scope.guardKeys.slice(1), member, recordedAt + Math.ceil(late)).catch(scope.onError)
      }
      // The caller's promise settles with the task, not after bottleneck's Redis bookkeeping.
      try {
        call.resolve(await call.task(performance.now() - (entry.submittedAt ?? asked)))
      } catch (error) {
        call.reject(error)
      }
    })
    .catch((error: unknown) => {
      scope.onError(error)
      entry.fail(scope.notSent('schedule the call through'))
    })
    .finally(call.done)
}
