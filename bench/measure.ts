/** What one client did in one turn. */
export interface Turn {
  /** Completed requests per second. */
  readonly rps: number
  /** CPU time this process spent per request (user + system), in microseconds. */
  readonly cpuMicros: number
  /** Every request's latency, in milliseconds. */
  readonly latencies: readonly number[]
}

/**
 * Runs `concurrency` workers for `durationMs`, each making one call after another, and
 * measures them. A worker starts no call after the deadline; the turn ends when the last
 * call in flight settles, and that time is counted, so requests/s is not inflated.
 */
export async function runTurn(call: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<Turn> {
  const latencies: number[] = []
  const cpuBefore = process.cpuUsage()
  const start = performance.now()
  const deadline = start + durationMs
  await Promise.all(Array.from({ length: concurrency }, () => worker(call, deadline, latencies)))
  const elapsed = performance.now() - start
  const cpu = process.cpuUsage(cpuBefore)
  return {
    rps: (latencies.length * 1000) / elapsed,
    cpuMicros: (cpu.user + cpu.system) / latencies.length,
    latencies,
  }
}

async function worker(call: () => Promise<unknown>, deadline: number, latencies: number[]): Promise<void> {
  while (performance.now() < deadline) {
    const started = performance.now()
    await call()
    latencies.push(performance.now() - started)
  }
}

/** The nearest-rank percentile of ascending `sorted` values (`q` in 0–1). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil(q * sorted.length) - 1
  return sorted[Math.min(Math.max(rank, 0), sorted.length - 1)] as number
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  if (sorted.length % 2 === 1) return sorted[middle] as number
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/**
 * A distribution-free confidence interval (about 95%) for the median of `values`: the order
 * statistics that the binomial(n, ½) law puts around it. It assumes nothing about the shape
 * of the noise, which on a shared virtual machine is anything but normal. With fewer than
 * six values it is their range, which then covers less than 95%.
 */
export function medianInterval(values: readonly number[]): readonly [number, number] {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  if (n === 0) return [Number.NaN, Number.NaN]
  // The largest k with P(X < k) ≤ 2.5% for X ~ binomial(n, ½); the interval is [x(k), x(n-k+1)].
  let k = 0
  let below = 0
  let mass = 0.5 ** n
  while (k < n && below + mass <= 0.025) {
    below += mass
    mass = (mass * (n - k)) / (k + 1)
    k++
  }
  const rank = Math.max(k, 1)
  return [sorted[rank - 1] as number, sorted[n - rank] as number]
}
