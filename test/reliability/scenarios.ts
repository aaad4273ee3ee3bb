import type { RequestOptions } from '../../src/index.ts'

/**
 * One kind of call in the chaos run: what it asks of the chaos server, how many times, and
 * what each call may end with.
 */
export interface Scenario {
  readonly name: string
  readonly method: 'GET' | 'POST'
  /** The chaos behaviour it exercises (`GET status/503` counts as `status/503`). */
  readonly behaviour: string
  readonly calls: number
  /** Calls launched together as one unit (default 1): callers that share a URL overlap, for dedupe. */
  readonly together?: number
  /** The path of call `i`; `other` is the second origin. Distinct paths keep dedupe and the cache out. */
  readonly path: (i: number, other: string) => string
  /** Options of call `i` on top of the run's (`deadline`, a JSON body for POST). */
  readonly options?: (i: number) => RequestOptions
  /** What a call may end with: `'ok'` or the name of the `PlyError` subclass it rejects with. */
  readonly outcomes: readonly string[]
  /** When set, exactly this many requests reach the server for each call: it must not be retried. */
  readonly hitsPerCall?: number
}

/**
 * The per-attempt timeout and per-call deadline of the run: "never answers" ends within 2.5 s.
 * The timeout leaves room for a loaded machine: an attempt that times out is retried, which
 * would blur the counts of calls that must reach the server exactly once.
 */
export const RUN_TIMEOUT_MS = 1_000
export const RUN_DEADLINE_MS = 2_500
/** Units of calls in flight at once; the limiter's concurrency (32 per behaviour) is not the bottleneck. */
export const RUN_CONCURRENCY = 32
/** Redirects followed per attempt; a loop is `MAX_REDIRECTS + 1` requests. */
export const MAX_REDIRECTS = 4

const n = (i: number) => `n${i}`

/** Every fault the chaos server offers, with and without the conditions that make it retryable. */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'plain success', method: 'GET', behaviour: 'ok', calls: 40, path: (i) => `/ok/${n(i)}`, outcomes: ['ok'] },
  {
    name: 'cacheable, 5 URLs shared by 40 calls (cache and dedupe)',
    method: 'GET',
    behaviour: 'ok',
    calls: 40,
    together: 10,
    path: (i) => `/ok/shared${i % 5}?maxAge=60`,
    outcomes: ['ok'],
  },
  {
    name: 'POST success',
    method: 'POST',
    behaviour: 'ok',
    calls: 20,
    path: (i) => `/ok/${n(i)}`,
    outcomes: ['ok'],
    hitsPerCall: 1,
  },
  {
    name: 'slow, within the timeout',
    method: 'GET',
    behaviour: 'slow',
    calls: 20,
    path: (i) => `/slow/${n(i)}?ms=40`,
    outcomes: ['ok'],
  },
  {
    name: 'slow, past the per-attempt timeout',
    method: 'GET',
    behaviour: 'slow',
    calls: 15,
    path: (i) => `/slow/late${i}?ms=1500`,
    outcomes: ['TimeoutError'],
  },
  {
    name: 'reset before the response',
    method: 'GET',
    behaviour: 'reset-before',
    calls: 20,
    path: (i) => `/reset-before/${n(i)}`,
    outcomes: ['NetworkError'],
  },
  {
    name: 'reset before the response, POST',
    method: 'POST',
    behaviour: 'reset-before',
    calls: 20,
    path: (i) => `/reset-before/${n(i)}`,
    outcomes: ['NetworkError'],
    hitsPerCall: 1,
  },
  {
    name: 'reset during the body',
    method: 'GET',
    behaviour: 'reset-during',
    calls: 20,
    path: (i) => `/reset-during/${n(i)}`,
    outcomes: ['NetworkError'],
    // The headers were a 200: nothing inside retry() failed, the body read in parse() did.
    hitsPerCall: 1,
  },
  {
    name: 'truncated body',
    method: 'GET',
    behaviour: 'truncated',
    calls: 20,
    path: (i) => `/truncated/${n(i)}`,
    outcomes: ['NetworkError'],
    hitsPerCall: 1,
  },
  {
    name: 'malformed JSON',
    method: 'GET',
    behaviour: 'malformed',
    calls: 20,
    path: (i) => `/malformed/${n(i)}`,
    outcomes: ['ParseError'],
    hitsPerCall: 1,
  },
  {
    name: '429 without Retry-After',
    method: 'GET',
    behaviour: 'status/429',
    calls: 20,
    path: (i) => `/status/429/${n(i)}`,
    outcomes: ['HttpError'],
  },
  {
    name: '429 with Retry-After: 0',
    method: 'GET',
    behaviour: 'status/429',
    calls: 20,
    path: (i) => `/status/429/zero${i}?retryAfter=0`,
    outcomes: ['HttpError'],
  },
  {
    name: '429 with Retry-After: 120 (beyond maxRetryAfter)',
    method: 'GET',
    behaviour: 'status/429',
    calls: 10,
    path: (i) => `/status/429/long${i}?retryAfter=120`,
    // The first is told to come back in 2 minutes; the limiter then holds the group, and the
    // others fail at once because the wait would cross their deadline.
    outcomes: ['RateLimitError'],
  },
  {
    name: '503 without Retry-After',
    method: 'GET',
    behaviour: 'status/503',
    calls: 20,
    path: (i) => `/status/503/${n(i)}`,
    outcomes: ['HttpError'],
  },
  {
    name: '503 with Retry-After: 1',
    method: 'GET',
    behaviour: 'status/503',
    calls: 10,
    path: (i) => `/status/503/wait${i}?retryAfter=1`,
    // The group is held for a second: a call retries after it, or its wait would cross the deadline.
    outcomes: ['HttpError', 'RateLimitError'],
  },
  {
    name: '503, POST',
    method: 'POST',
    behaviour: 'status/503',
    calls: 20,
    path: (i) => `/status/503/post${i}`,
    outcomes: ['HttpError'],
    hitsPerCall: 1,
  },
  {
    name: '503 with Retry-After: 0, POST',
    method: 'POST',
    behaviour: 'status/503',
    calls: 20,
    path: (i) => `/status/503/postzero${i}?retryAfter=0`,
    outcomes: ['HttpError'],
    hitsPerCall: 1,
  },
  {
    name: '503, POST with an Idempotency-Key (opted in)',
    method: 'POST',
    behaviour: 'status/503',
    calls: 10,
    path: (i) => `/status/503/keyed${i}`,
    options: (i) => ({ headers: { 'idempotency-key': `key-${i}` } }),
    outcomes: ['HttpError'],
  },
  {
    name: 'redirect to the other origin',
    method: 'GET',
    behaviour: 'redirect',
    calls: 20,
    path: (i, other) => `/redirect/${n(i)}?to=${encodeURIComponent(`${other}/ok/landed${i}`)}`,
    outcomes: ['ok'],
    hitsPerCall: 1,
  },
  {
    name: 'redirect loop',
    method: 'GET',
    behaviour: 'loop',
    calls: 10,
    path: (i) => `/loop/${n(i)}`,
    outcomes: ['RedirectError'],
    hitsPerCall: MAX_REDIRECTS + 1,
  },
  {
    name: 'never answers',
    method: 'GET',
    behaviour: 'never',
    calls: 15,
    path: (i) => `/never/${n(i)}`,
    outcomes: ['TimeoutError'],
  },
  {
    name: 'never answers, POST',
    method: 'POST',
    behaviour: 'never',
    calls: 10,
    path: (i) => `/never/post${i}`,
    outcomes: ['TimeoutError'],
    hitsPerCall: 1,
  },
  {
    name: 'never answers, deadline shorter than the timeout',
    method: 'GET',
    behaviour: 'never',
    calls: 10,
    path: (i) => `/never/short${i}`,
    options: () => ({ deadline: 100 }),
    outcomes: ['TimeoutError'],
    hitsPerCall: 1,
  },
  {
    name: 'four callers share a slow call and all abort',
    method: 'GET',
    behaviour: 'slow',
    calls: 16,
    together: 4,
    path: (i) => `/slow/abort${Math.floor(i / 4)}?ms=300`,
    options: (i) => ({ signal: AbortSignal.timeout(20 + (i % 4) * 10) }),
    outcomes: ['AbortError'],
  },
  {
    name: 'two callers share a slow call, one aborts',
    method: 'GET',
    behaviour: 'slow',
    calls: 16,
    together: 2,
    path: (i) => `/slow/half${Math.floor(i / 2)}?ms=80`,
    options: (i) => (i % 2 === 0 ? { signal: AbortSignal.timeout(20) } : {}),
    outcomes: ['ok', 'AbortError'],
  },
]

/** One or more calls launched together: call numbers `first` to `first + count - 1` of a scenario. */
export interface Unit {
  readonly scenario: Scenario
  readonly first: number
  readonly count: number
}

/**
 * The run's units, taking one unit from each scenario in turn, so that every kind of fault is
 * in flight at the same time as the others.
 */
export function unitsOf(scenarios: readonly Scenario[]): Unit[] {
  const queues = scenarios.map((scenario) => {
    const size = scenario.together ?? 1
    return Array.from({ length: Math.ceil(scenario.calls / size) }, (_, k) => ({
      scenario,
      first: k * size,
      count: Math.min(size, scenario.calls - k * size),
    }))
  })
  const units: Unit[] = []
  for (let round = 0; units.length < queues.reduce((n, queue) => n + queue.length, 0); round++) {
    for (const queue of queues) {
      const unit = queue[round]
      if (unit !== undefined) units.push(unit)
    }
  }
  return units
}
