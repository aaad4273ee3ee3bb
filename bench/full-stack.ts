import { auth, cache, dedupe, parse, rateLimit, retry } from '../middleware/index.ts'
import { type Client, createClient, type FetchFunction, type Middleware } from '../src/index.ts'

/**
 * The rate limits of the full stack: far above anything this machine can do (it makes well
 * under 100,000 requests/s, and the memory bench holds 10,000 in flight at once), so that
 * `rateLimit()` never makes a request wait and only its bookkeeping is measured. 1,000,000 is
 * the highest `perSecond` it accepts.
 */
export const NEVER_BINDING = { perSecond: 1_000_000, concurrency: 20_000 } as const

/** The middlewares of the full stack, outermost first. */
export const STACK_PARTS = ['parse', 'cache', 'dedupe', 'retry', 'rateLimit', 'auth'] as const

/** One middleware of the full stack. */
export type StackPart = (typeof STACK_PARTS)[number]

/** A ply client, and how often its limiter made a request wait (0 when the limits never bound). */
export interface PlyStack {
  readonly client: Client
  readonly waits: () => number
}

/** Whether `name` is one of `STACK_PARTS`. */
export function isStackPart(name: string): name is StackPart {
  return STACK_PARTS.some((part) => part === name)
}

/**
 * ply with the named middlewares of the full stack, in the full stack's order whatever the
 * order of `parts`: `plyStack(url, [])` is the empty stack, `plyStack(url, STACK_PARTS)` the
 * full one. Used to see what each middleware adds.
 */
export function plyStack(baseUrl: string, parts: readonly StackPart[], fetch?: FetchFunction): PlyStack {
  let waits = 0
  const make: Record<StackPart, () => Middleware> = {
    parse: () => parse(),
    cache: () => cache(),
    dedupe: () => dedupe(),
    retry: () => retry(),
    rateLimit: () => rateLimit(NEVER_BINDING),
    auth: () => auth.bearer('bench-token'),
  }
  const client = createClient({ baseUrl, ...(fetch === undefined ? {} : { fetch }) })
  for (const part of STACK_PARTS) if (parts.includes(part)) client.use(make[part]())
  if (parts.includes('rateLimit')) client.on('rateLimited', () => void waits++)
  return { client, waits: () => waits }
}

/**
 * ply with every middleware a typical API client uses, in the order the design brief shows:
 * `parse()`, `cache()` (memory store), `dedupe()`, `retry()`, `rateLimit()` (limits that
 * never bind) and `auth.bearer()`, outermost first. Called on a `no-store` route with a
 * distinct URL per call, every middleware takes its full path: the cache looks up, misses and
 * declines to store; dedupe has nothing to merge; retry makes one attempt.
 */
export function fullStack(baseUrl: string, fetch?: FetchFunction): PlyStack {
  return plyStack(baseUrl, STACK_PARTS, fetch)
}
