/**
 * The phases a middleware may declare (`middleware.phase`), and the order they must keep in a
 * stack: the one table the checks at `use()`, `new Client()`, `extend()` and `compose()` read.
 *
 * `ORDERED_PHASES` runs from outside in: a middleware of an earlier phase must be outside (added
 * before) one of a later phase. `observe` is not in it: a logger or a tracer is right outermost
 * (it sees each call once) and right inside `retry` (it sees each attempt), so it is checked
 * against nothing, like a middleware that declares no phase.
 */
export const ORDERED_PHASES = ['parse', 'cache', 'dedupe', 'retry', 'circuit', 'limit', 'sign'] as const

/** A phase whose place in a stack is checked; see `ORDERED_PHASES`. */
export type OrderedPhase = (typeof ORDERED_PHASES)[number]

/**
 * Where a middleware belongs in a stack, from outside in: `parse`, `cache`, `dedupe`, `retry`,
 * `circuit`, `limit`, `sign`; `observe` (a logger, a tracer) belongs anywhere. See `ORDERED_PHASES`.
 */
export type Phase = 'observe' | OrderedPhase

/** Every phase a middleware may declare. */
export const PHASES: readonly Phase[] = ['observe', ...ORDERED_PHASES]

/** `'outer>inner'` for every pair of ordered phases, the outer one first. */
type PairsOf<P extends readonly string[]> = P extends readonly [
  infer Head extends string,
  ...infer Tail extends readonly string[],
]
  ? `${Head}>${Tail[number]}` | PairsOf<Tail>
  : never

/** A rule of the table: a middleware of the first phase must be outside one of the second. */
export type PhaseRule = PairsOf<typeof ORDERED_PHASES>

/**
 * Why each rule holds: what goes wrong when the second phase's middleware is outside the first
 * one's. Read after "`rateLimit()` is outside `retry()`: ". The type requires one reason for
 * every pair, so adding a phase to `ORDERED_PHASES` does not compile until its rules are written.
 */
export const PHASE_RULES: Readonly<Record<PhaseRule, string>> = {
  'parse>cache': 'a cache hit would never reach parse(), so its data would not be parsed as configured',
  'parse>dedupe': 'the calls that share one request would get its response without what parse() read',
  'parse>retry': 'every attempt would be read and parsed, and that work thrown away by the next one',
  'parse>circuit':
    'a half-open breaker would hold its one probe in flight while its body is read and parsed, refusing every other call meanwhile',
  'parse>limit': 'each body would be read and parsed while the call holds its rate-limit turn',
  'parse>sign': 'parse() would see the credential on the request (auth goes innermost so that nothing outside it does)',
  'cache>dedupe':
    'cache hits would be de-duplicated too, their bodies buffered for each caller, when only misses need sharing',
  'cache>retry': 'a stored answer could be retried, and an attempt answered from the cache mid-retry',
  'cache>circuit': 'an open breaker would refuse a call the cache could answer, though nothing needs to be sent',
  'cache>limit': 'a cache hit would wait for the rate limit and spend quota without sending anything',
  'cache>sign':
    'the cache would see the credential on the request it keys and stores (auth goes innermost so that nothing outside it does)',
  'dedupe>retry': 'the calls sharing one request would each retry it on their own, multiplying the retries',
  'dedupe>circuit':
    'each caller of a shared request would be let through or refused on its own, and a half-open breaker would refuse the callers that could have shared its probe',
  'dedupe>limit': 'each caller of a shared request would wait for a turn and spend quota, though one request is sent',
  'dedupe>sign':
    'de-duplication would see the credential on the request it keys (auth goes innermost so that nothing outside it does)',
  'retry>circuit':
    'the breaker would judge whole calls, not attempts: its refusal could not be waited out by retry(), and retries would go on against an origin it had stopped calling',
  'retry>limit': 'retries would not be rate limited',
  'retry>sign': "retries would resend the first attempt's credential instead of being signed afresh",
  'circuit>limit':
    "a call the breaker refuses would first wait in the rate limiter's queue and take a turn it never uses",
  'circuit>sign':
    'the breaker would see the signed request, and its key function the credential (auth goes innermost so that nothing outside it does)',
  'limit>sign':
    'the rate limiter would see the signed request, and a wait could outlast a credential resolved before it',
}

/** The rank of an ordered phase (0 outermost); `undefined` for `observe`. */
export function rankOf(phase: Phase): number | undefined {
  const rank = (ORDERED_PHASES as readonly string[]).indexOf(phase)
  return rank === -1 ? undefined : rank
}

/** Whether `value` is a phase of the table. */
export function isPhase(value: unknown): value is Phase {
  return typeof value === 'string' && (PHASES as readonly string[]).includes(value)
}
