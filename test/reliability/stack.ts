import {
  auth,
  cache,
  type DedupeMiddleware,
  dedupe,
  parse,
  type RateLimitMiddleware,
  rateLimit,
  retry,
} from '../../middleware/index.ts'
import { type Client, createClient, type Middleware } from '../../src/index.ts'
import { behaviourOf } from '../support/chaos-server.ts'

/**
 * Calls that reached `retry()`, and the attempts `retry()` made for them, by `METHOD behaviour`
 * (`GET status/503`, as the chaos server counts them).
 */
export interface AttemptCounts {
  /** Calls that entered `retry()` (cache hits and dedupe followers never do). */
  readonly entries: Record<string, number>
  /** Attempts `retry()` made (each call of its `next()`). */
  readonly attempts: Record<string, number>
}

/** The retry budget the reliability runs use; see `retryBound`. */
export interface BudgetSettings {
  readonly ratio: number
  readonly windowMs: number
  readonly minRetries: number
}

/** A full-stack client, and the parts a run inspects afterwards. */
export interface ChaosStack {
  readonly client: Client
  readonly counts: AttemptCounts
  readonly dedupe: DedupeMiddleware
  readonly limiter: RateLimitMiddleware
  readonly budget: BudgetSettings
}

/** How the stack is tuned. */
export interface StackOptions {
  readonly baseUrl: string
  readonly token: string
  /** Per-attempt timeout, ms. */
  readonly timeout: number
  readonly maxRedirects: number
  readonly budget: BudgetSettings
}

/**
 * The whole stack of issue #8: `parse()`, `cache()`, `dedupe()`, `retry()`, `rateLimit()` and
 * `auth.bearer()`, with two counting middlewares around `retry()` so that a run can tell calls
 * from retries. The limiter's limits are high (1,000/s, 32 in flight), and each chaos
 * behaviour (with its `Retry-After`) is a group of its own, so that a pause the server asks for
 * holds only the calls that asked for it.
 */
export function chaosStack(options: StackOptions): ChaosStack {
  const counts: AttemptCounts = { entries: {}, attempts: {} }
  const deduper = dedupe()
  const limiter = rateLimit({
    perSecond: 1_000,
    concurrency: 32,
    group: (ctx) => {
      const url = ctx.request.peekUrl()
      return `${behaviourOf(url.pathname)} ${url.searchParams.get('retryAfter') ?? ''}`
    },
  })
  const client = createClient({
    baseUrl: options.baseUrl,
    timeout: options.timeout,
    maxRedirects: options.maxRedirects,
  })
    .use(parse())
    .use(cache())
    .use(deduper)
    .use(countInto(counts.entries))
    .use(retry({ retries: 2, minDelay: 5, maxDelay: 40, budget: options.budget }))
    .use(countInto(counts.attempts))
    .use(limiter)
    .use(auth.bearer(options.token))
  return { client, counts, dedupe: deduper, limiter, budget: options.budget }
}

/** Counts each call of the middleware by method and chaos behaviour. */
function countInto(table: Record<string, number>): Middleware {
  return async (ctx, next) => {
    const key = `${ctx.request.method} ${behaviourOf(ctx.request.peekUrl().pathname)}`
    table[key] = (table[key] ?? 0) + 1
    await next()
  }
}

/**
 * The most retries the budget of `middleware/retry/budget.ts` allows while every call of a run
 * falls in one window: a retry is taken only while `retries < minRetries + ratio × requests`,
 * so at most `ceil(minRetries + ratio × requests)` are taken.
 */
export function retryBound(budget: BudgetSettings, requests: number): number {
  return Math.ceil(budget.minRetries + budget.ratio * requests)
}

/** The sum of a table's counts, of every key or of the keys `which` accepts. */
export function sum(table: Readonly<Record<string, number>>, which: (key: string) => boolean = () => true): number {
  return Object.entries(table).reduce((total, [key, n]) => (which(key) ? total + n : total), 0)
}

/** Retries by method: attempts beyond each call's first. */
export function retriesByMethod(counts: AttemptCounts): Record<string, number> {
  const methods = new Set(Object.keys(counts.attempts).map((key) => key.split(' ')[0] as string))
  return Object.fromEntries(
    [...methods].map((method) => {
      const mine = (key: string) => key.startsWith(`${method} `)
      return [method, sum(counts.attempts, mine) - sum(counts.entries, mine)]
    }),
  )
}
