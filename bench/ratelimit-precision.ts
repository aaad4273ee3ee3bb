/**
 * The precision run of `bench/ratelimit.ts`: a
 * pool of callers asks through `rateLimit({ perSecond: R })` as fast as it can for a fixed
 * time, and an inner middleware stamps every request as it leaves the limiter.
 */
import { parse } from '../middleware/index.ts'
import { rateLimit } from '../middleware/ratelimit/index.ts'
import { AbortError, createClient, type Middleware } from '../src/index.ts'

export interface Precision {
  readonly rate: number
  readonly callers: number
  readonly durationMs: number
  /** `performance.now()` when the run began. */
  readonly origin: number
  /** Every start, in ms since the run began (`performance.now()`), in order. */
  readonly starts: readonly number[]
  /** The same starts on the limiter's clock (`Date.now()`, whole ms). */
  readonly wallStarts: readonly number[]
  /** `Date.now()` minus the monotonic clock's wall time at each start: how the wall clock drifts or jumps. */
  readonly offsets: readonly number[]
  /** How often the limiter made a request wait. */
  readonly waits: number
  /** Calls that failed other than by the run's final abort. */
  readonly errors: number
}

/**
 * Asks with `callers` concurrent callers, each one call after another, for `durationMs`; then
 * aborts whatever still waits (or is in flight). An inner middleware stamps every start.
 */
export async function precisionRun(
  baseUrl: string,
  rate: number,
  callers: number,
  durationMs: number,
): Promise<Precision> {
  const starts: number[] = []
  const wallStarts: number[] = []
  const offsets: number[] = []
  let origin = 0
  const stamp: Middleware = async (_ctx, next) => {
    const now = performance.now()
    const wall = Date.now()
    starts.push(now - origin)
    wallStarts.push(wall)
    offsets.push(wall - (performance.timeOrigin + now))
    await next()
  }
  let waits = 0
  let errors = 0
  const limiter = rateLimit({ perSecond: rate })
  const client = createClient({ baseUrl }).use(parse()).use(limiter).use(stamp)
  client.on('rateLimited', () => void waits++)
  const stop = new AbortController()
  const caller = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        await client.get('/json', { signal: stop.signal })
      } catch (error) {
        if (!(error instanceof AbortError && stop.signal.aborted)) {
          errors++
          if (errors === 1) process.stderr.write(`bench/ratelimit: ${rate}/s: ${String(error)}\n`)
        }
      }
    }
  }
  origin = performance.now()
  const timer = setTimeout(() => stop.abort(), durationMs)
  await Promise.all(Array.from({ length: callers }, caller))
  clearTimeout(timer)
  await limiter.close()
  return { rate, callers, durationMs, origin, starts, wallStarts, offsets, waits, errors }
}

/** The most values in any half-open window [v, v + width) of ascending `sorted`. */
export function maxInWindow(sorted: readonly number[], width: number): number {
  let most = 0
  let high = 0
  for (let low = 0; low < sorted.length; low++) {
    while (high < sorted.length && (sorted[high] as number) < (sorted[low] as number) + width) high++
    most = Math.max(most, high - low)
  }
  return most
}

/** The shortest time spanned by `count` consecutive values of ascending `sorted`. */
export function shortestSpan(sorted: readonly number[], count: number): number {
  let shortest = Number.POSITIVE_INFINITY
  for (let i = count - 1; i < sorted.length; i++) {
    shortest = Math.min(shortest, (sorted[i] as number) - (sorted[i - count + 1] as number))
  }
  return shortest
}

export interface PrecisionRow extends Precision {
  /** Starts within [0, duration) per second. */
  readonly achieved: number
  /** Starts within [1 s, duration) per second: without the first second's burst. */
  readonly steady: number
  /** Most starts in any sliding second, real time (`performance.now()`). */
  readonly maxSecond: number
  /** The same on the limiter's clock (`Date.now()`, whole ms). */
  readonly maxSecondWall: number
  /** The shortest real time spanned by R + 1 consecutive starts (≥ 1000 ms: never above). */
  readonly spanOfRPlusOne: number
  /** How long the first R starts took: the client's own pace when nothing holds it back. */
  readonly burstMs: number
  /** How far `Date.now()` moved against the monotonic clock during the run (max − min offset), ms. */
  readonly clockDrift: number
}

export function analyse(run: Precision): PrecisionRow {
  const sorted = [...run.starts].sort((a, b) => a - b)
  const wall = [...run.wallStarts].sort((a, b) => a - b)
  const within = (from: number, to: number) => sorted.filter((t) => t >= from && t < to).length
  const seconds = run.durationMs / 1000
  return {
    ...run,
    achieved: within(0, run.durationMs) / seconds,
    steady: within(1000, run.durationMs) / (seconds - 1),
    maxSecond: maxInWindow(sorted, 1000),
    maxSecondWall: maxInWindow(wall, 1000),
    spanOfRPlusOne: shortestSpan(sorted, run.rate + 1),
    burstMs: (sorted[run.rate - 1] ?? Number.NaN) - (sorted[0] ?? Number.NaN),
    clockDrift: Math.max(...run.offsets) - Math.min(...run.offsets),
  }
}
