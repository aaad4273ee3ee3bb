/**
 * What a closed `circuitBreaker()` costs on its own: CPU µs per call of the middleware with a
 * `next()` that resolves at once, against a middleware that only calls `next()`, in paired
 * rounds. Too small for the stack benchmark to resolve on a busy machine, so measured here
 * alone. With `REDIS_URL`, also the shared mode (Redis reachable, the key looked up once).
 */
import { circuitBreaker } from '../middleware/index.ts'
import { redisConnection } from '../redis/index.ts'
import type { Context, Middleware } from '../src/index.ts'
import { SILENT } from '../src/kit.ts'
import { median, medianInterval } from './measure.ts'

const CALLS = 100_000

/** The least of a context that a closed breaker reads: the URL, the response, the events. */
function contextOf(url: URL): Context {
  const response = new Response(null, { status: 200 })
  return {
    request: { method: 'GET', peekUrl: () => url, options: {} },
    response,
    deadline: undefined,
    events: SILENT,
  } as unknown as Context
}

/** CPU µs per call of `middleware`, over `CALLS` calls awaited one after another. */
async function cpuPerCall(middleware: Middleware, ctx: Context): Promise<number> {
  const next = (): Promise<void> => Promise.resolve()
  const before = process.cpuUsage()
  for (let i = 0; i < CALLS; i++) await middleware(ctx, next)
  const used = process.cpuUsage(before)
  return (used.user + used.system) / CALLS
}

/** Each variant's extra CPU µs per call over a pass-through, as median and 95% interval. */
export async function breakerAlone(
  rounds: number,
): Promise<Map<string, { median: number; low: number; high: number }>> {
  const ctx = contextOf(new URL('https://api.example.com/items/1'))
  const passThrough: Middleware = (_ctx, next) => next()
  const variants: Record<string, Middleware> = { circuitBreaker: circuitBreaker() }
  let closeShared: (() => Promise<void>) | undefined
  if (process.env.REDIS_URL) {
    const shared = circuitBreaker({ shared: redisConnection({ url: process.env.REDIS_URL, id: 'bench-circuit' }) })
    await shared(ctx, () => Promise.resolve())
    variants['circuitBreaker (shared, Redis up)'] = shared
    closeShared = () => shared.close()
  }
  const deltas = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]))
  for (const middleware of [passThrough, ...Object.values(variants)]) await cpuPerCall(middleware, ctx)
  for (let round = 0; round < rounds; round++) {
    for (const [name, middleware] of Object.entries(variants)) {
      const base = await cpuPerCall(passThrough, ctx)
      deltas.get(name)?.push((await cpuPerCall(middleware, ctx)) - base)
    }
  }
  await closeShared?.()
  const results = new Map<string, { median: number; low: number; high: number }>()
  for (const [name, values] of deltas) {
    const [low = Number.NaN, high = Number.NaN] = medianInterval(values)
    results.set(name, { median: median(values), low, high })
  }
  return results
}
