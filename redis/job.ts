import { AbortError } from '../src/index.ts'

/** Where a call stands: queued in this process, its task running, or over. */
export type CallState = 'queued' | 'started' | 'settled'

/** A call of a shared limiter, from `schedule()` until its task settles or it fails. */
export interface Entry {
  readonly state: CallState
  /** 0 first, 9 last. */
  readonly priority: number
  /** First come, first served within a priority. */
  readonly order: number
  /** When the shared limits began to hold it (`performance.now()`): once Redis was reachable. */
  heldSince: number | undefined
  /** Bounds the wait for a reachable Redis. */
  timer: ReturnType<typeof setTimeout> | undefined
  /** Runs the task; `onSettled` is called once when it settles (the call's settle time). */
  start(onSettled: () => void): void
  /** Rejects the call, unless its task has started. */
  fail(error: Error): void
}

/** What an entry needs from its limiter and its caller. */
export interface EntryScope<T> {
  readonly task: (heldMs: number) => Promise<T>
  readonly priority: number
  readonly order: number
  readonly signal: AbortSignal | undefined
  resolve(value: T): void
  reject(error: unknown): void
  /** The entry leaves the limiter's queue (it starts, or fails). */
  leave(entry: Entry): void
}

/** A queued call: an abort of `signal` fails it (its task then never runs). */
export function createEntry<T>(scope: EntryScope<T>): Entry {
  const { signal } = scope
  let state: CallState = 'queued'
  const onAbort = (): void => {
    if (signal) entry.fail(abortError(signal))
  }
  const leave = (): void => {
    signal?.removeEventListener('abort', onAbort)
    clearTimeout(entry.timer)
    entry.timer = undefined
    scope.leave(entry)
  }
  const entry: Entry = {
    get state() {
      return state
    },
    priority: scope.priority,
    order: scope.order,
    heldSince: undefined,
    timer: undefined,
    start(onSettled) {
      if (state !== 'queued') return
      state = 'started'
      leave()
      const heldMs = performance.now() - (entry.heldSince ?? performance.now())
      let result: Promise<T>
      try {
        result = scope.task(heldMs)
      } catch (error) {
        result = Promise.reject(error)
      }
      // The settle is noted before the caller hears of it: nothing the caller does next can
      // come before the call is counted as settled.
      Promise.resolve(result).then(
        (value) => {
          state = 'settled'
          onSettled()
          scope.resolve(value)
        },
        (error: unknown) => {
          state = 'settled'
          onSettled()
          scope.reject(error)
        },
      )
    },
    fail(error) {
      if (state !== 'queued') return
      state = 'settled'
      leave()
      scope.reject(error)
    },
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  return entry
}

/** Puts `entry` in `queue` by priority (0 first), after those of its priority already there. */
export function enqueue(queue: Entry[], entry: Entry): void {
  let index = queue.length
  while (index > 0 && (queue[index - 1] as Entry).priority > entry.priority) index -= 1
  queue.splice(index, 0, entry)
}

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('the request was aborted while waiting for the shared rate limit', { cause: signal.reason })
}
