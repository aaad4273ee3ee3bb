/**
 * The precision report of `rateLimit()` at 50, 200 and 1,000 requests/s, shared by
 * `bench/ratelimit.ts` (its own page, docs/ratelimit-bench.md) and the `ratelimit` section of
 * `npm run bench` (`./ratelimit-section.ts`).
 */
import type { PlotPanel } from './ratelimit-plot.ts'
import type { PrecisionRow } from './ratelimit-precision.ts'

/** Achieved within this share of the configured rate (and never above it). */
export const PRECISION_TARGET = 0.02

/** Configured rate → callers asking at once; enough that the limiter, not the pool, sets the pace. */
export const RATES: readonly (readonly [rate: number, callers: number])[] = [
  [50, 64],
  [200, 64],
  [1000, 256],
]

const whole = (n: number): string => Math.round(n).toLocaleString('en-US')
const fixed = (n: number, digits: number): string => n.toFixed(digits)
/** `n` with its sign, a true minus for negatives. */
export const signed = (n: number, digits: number): string => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(digits)}`
/** A target's verdict, in bold. */
export const verdict = (met: boolean): string => (met ? '**met**' : '**not met**')

/** The precision table, then one line per rate saying whether its targets are met. */
export function precisionSection(rows: readonly PrecisionRow[]): string[] {
  const lines = [
    '| Configured (req/s) | Callers | Starts in [0, T) | Achieved (req/s) | Achieved ÷ configured | After the first second (req/s) | Most starts in any 1 s | Shortest span of R + 1 starts | Most in any 1 s by `Date.now()` | `Date.now()` drift vs monotonic | First R starts took | Waits |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows) {
    const inRun = Math.round(r.achieved * (r.durationMs / 1000))
    lines.push(
      `| ${whole(r.rate)} | ${r.callers} | ${whole(inRun)} | ${fixed(r.achieved, 1)} | ${fixed(r.achieved / r.rate, 4)} | ${fixed(r.steady, 1)} | ${whole(r.maxSecond)} | ${fixed(r.spanOfRPlusOne, 2)} ms | ${whole(r.maxSecondWall)} | ${fixed(r.clockDrift, 1)} ms | ${fixed(r.burstMs, 0)} ms | ${whole(r.waits)} |`,
    )
  }
  lines.push('')
  for (const r of rows) {
    const error = r.achieved / r.rate - 1
    const close = Math.abs(error) <= PRECISION_TARGET && r.achieved <= r.rate
    const never = r.maxSecond <= r.rate
    const reach =
      r.burstMs > 1000 || !Number.isFinite(r.burstMs)
        ? ` This client could not start ${whole(r.rate)} requests within one second on this machine (the first ${whole(r.rate)} took ${fixed(r.burstMs, 0)} ms): the rate is bounded by ply on loopback, not by the limiter.`
        : ''
    const over = never
      ? ''
      : ` The ${whole(r.rate + 1)} closest starts spanned ${fixed(r.spanOfRPlusOne, 2)} ms of real time; counted by \`Date.now()\` (a whole-millisecond wall clock) the most in any second was ${whole(r.maxSecondWall)}, and \`Date.now()\` moved ${fixed(r.clockDrift, 1)} ms against the monotonic clock during the run.`
    const failed = r.errors === 0 ? '' : ` **${r.errors} calls failed** (other than the final abort).`
    lines.push(
      `- ${whole(r.rate)}/s: achieved ${fixed(r.achieved, 1)}/s (${signed(error * 100, 2)}%); within 2%: ${verdict(close)}. Most starts in any sliding second ${whole(r.maxSecond)}; never above ${whole(r.rate)}: ${verdict(never)}.${over}${reach}${failed}`,
    )
  }
  return lines
}

/** The plot's panels, one per rate. */
export function panelsOf(rows: readonly PrecisionRow[]): PlotPanel[] {
  return rows.map((r) => ({
    rate: r.rate,
    durationMs: r.durationMs,
    starts: r.starts,
    note: `achieved ${fixed(r.achieved, 1)}/s (${fixed((r.achieved / r.rate) * 100, 2)}% of the limit), most in any sliding second: ${whole(r.maxSecond)}, ${r.callers} callers`,
  }))
}

/** How the precision runs are made, as markdown bullets' lines. */
export const PRECISION_METHOD: readonly string[] = [
  '- **Precision.** For each configured rate R, `rateLimit({ perSecond: R })` sits after',
  '  `parse()`, and an inner middleware stamps `performance.now()` (and `Date.now()`,',
  '  a whole-millisecond wall clock, for comparison) as each request leaves the limiter. A pool of callers (64; 256 for',
  '  1,000/s) asks as fast as it can; at the end of the run every waiting or in-flight call is',
  '  aborted. *Achieved* counts the starts in [0, T) over T, a whole number of seconds: a sliding',
  '  1-second window allows at most R × T starts there, so ÷ configured ≤ 1 is the bound and',
  "  the shortfall is the limiter's slack. Nothing is excluded: the first second's burst (R at",
  "  once, which a sliding window allows) is part of every later second's pattern, since each",
  '  slot frees exactly one second after its last use; *after the first second* leaves it out',
  '  for comparison. *Most starts in any 1 s* is the maximum over every half-open window',
  '  [t, t + 1 s) of the real-time stamps (all of them, including any after T); the *shortest',
  '  span of R + 1 starts* says the same in time (under 1,000 ms: some real second held more',
  '  than R). *By `Date.now()`* counts the same stamps on a whole-millisecond wall clock, and',
  '  *drift* is how far that clock moved against the monotonic one during the run (it steps by',
  '  several ms at times on this VM).',
]
