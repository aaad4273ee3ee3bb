import { maxInWindow } from '../../bench/ratelimit-precision.ts'

/** The most of `times` that fall in any half-open window [t, t + windowMs), in any order. */
export function busiestWindow(times: readonly number[], windowMs: number): number {
  return maxInWindow(
    [...times].sort((a, b) => a - b),
    windowMs,
  )
}
