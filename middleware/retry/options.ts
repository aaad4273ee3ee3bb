import { type CallEvent, ConfigError, type PlyError, type RequestOptions } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { refuseReplacedCallbacks } from '../shared/replaced-callbacks.ts'

/** The client's `retry` event (`client.on('retry', listener)`), before each wait. */
export interface RetryEvent extends CallEvent {
  /** The attempt that just failed, from 1. */
  readonly attempt: number
  /** How long ply waits before the next attempt. */
  readonly delayMs: number
  /** The status that is retried, when an HTTP response was the failure. */
  readonly status?: number | undefined
  /** The error that is retried, when no response came. */
  readonly error?: PlyError | undefined
}

/** Options of `retry()`. */
export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  retries?: number
  /** Methods retried without the caller opting in (default GET, HEAD, OPTIONS, PUT, DELETE, TRACE). */
  methods?: readonly string[]
  /** Statuses retried (default 408, 425, 429, 500, 502, 503, 504). */
  statuses?: readonly number[]
  /** The backoff's base, in ms (default 300): the first wait is up to this long. */
  minDelay?: number
  /** The longest computed backoff, in ms (default 10 000). */
  maxDelay?: number
  /** How much the backoff's ceiling grows per retry (default 2). */
  factor?: number
  /**
   * The longest server-requested wait (`Retry-After`, rate-limit reset) ply honours, in ms
   * (default 60 000). A longer one ends retrying: a 429 becomes a `RateLimitError` saying
   * when to come back, other statuses are returned as they are.
   */
  maxRetryAfter?: number
  /**
   * The retry budget: over the last `windowMs`, retries may add at most `ratio` of the
   * requests made, plus `minRetries`, so an outage cannot multiply the load. `false` turns it
   * off. Default `{ ratio: 0.2, windowMs: 10_000, minRetries: 10 }`.
   */
  budget?: RetryBudgetOptions | false
  /**
   * Recognises an answer that proves the server did not act on the request, such as a rate
   * limit's refusal. A call whose method is not retried (POST, PATCH, without an opt-in) is
   * then retried after such an answer, and only after one: never after an error, a timeout or
   * any other status, since the server may have acted on those. Default: none.
   */
  unprocessed?: (response: Response) => boolean
}

/** The retry budget's options. */
export interface RetryBudgetOptions {
  /** Retries allowed per request made, over the window (default 0.2). */
  ratio?: number
  /** The window, in ms (default 10 000). */
  windowMs?: number
  /** Retries always allowed in a window, whatever the traffic (default 10). */
  minRetries?: number
}

/** A call's own retry choice: `true` opts a POST or PATCH in, `false` turns retrying off. */
export type RetryCallOption = boolean | { retries?: number }

declare module '../../src/index.ts' {
  interface ClientEvents {
    /** `retry()` is about to wait, then try again. */
    retry: RetryEvent
  }
  interface RequestOptions {
    /**
     * This call's retrying: `true` retries even a POST or PATCH (as does an
     * `Idempotency-Key` header), `false` never retries, `{ retries }` changes the count.
     */
    retry?: RetryCallOption | undefined
  }
}

/** The options, checked and with defaults filled in. */
export interface RetrySettings {
  readonly retries: number
  readonly methods: ReadonlySet<string>
  readonly statuses: ReadonlySet<number>
  readonly minDelay: number
  readonly maxDelay: number
  readonly factor: number
  readonly maxRetryAfter: number
  readonly budget: Required<RetryBudgetOptions> | false
  readonly unprocessed: ((response: Response) => boolean) | undefined
}

const RETRY_OPTIONS = optionNames<RetryOptions>()([
  'retries',
  'methods',
  'statuses',
  'minDelay',
  'maxDelay',
  'factor',
  'maxRetryAfter',
  'budget',
  'unprocessed',
])
const BUDGET_OPTIONS = optionNames<RetryBudgetOptions>()(['ratio', 'windowMs', 'minRetries'])
/** The per-call options `retry()` reads (its `callOptions`). */
export const RETRY_CALL_OPTIONS = ['retry'] as const satisfies readonly (keyof RequestOptions)[]
/** The names of a call's `retry: { … }`. */
export const RETRY_CHOICE_OPTIONS = optionNames<Exclude<RetryCallOption, boolean>>()(['retries'])
const DEFAULT_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']
const DEFAULT_STATUSES = [408, 425, 429, 500, 502, 503, 504]

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError(`retry(): ${name} must be a whole number ≥ 0, got ${String(value)}`)
  }
  return value
}

/** `setTimeout`'s limit: a longer wait would fire after 1 ms instead. */
const MAX_WAIT_MS = 2_147_483_647
/** The longest budget window: one bucket per second (3,600 at most), summed on every retry. */
const MAX_BUDGET_WINDOW_MS = 3_600_000

function amount(value: unknown, name: string, fallback: number, min = 0, max = Number.MAX_VALUE): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = max === Number.MAX_VALUE ? `≥ ${min}` : `from ${min} to ${max}`
    throw new ConfigError(`retry(): ${name} must be a number ${range}, got ${String(value)}`)
  }
  return value
}

function methodsOf(value: unknown): ReadonlySet<string> {
  if (value === undefined) return new Set(DEFAULT_METHODS)
  if (!Array.isArray(value) || !value.every((method) => typeof method === 'string' && method !== '')) {
    throw new ConfigError('retry(): methods must be an array of method names')
  }
  return new Set(value.map((method: string) => method.toUpperCase()))
}

function statusesOf(value: unknown): ReadonlySet<number> {
  if (value === undefined) return new Set(DEFAULT_STATUSES)
  // A status given as text ('503') would never match a response's number.
  if (!Array.isArray(value) || !value.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw new ConfigError('retry(): statuses must be an array of HTTP status codes (whole numbers from 100 to 599)')
  }
  return new Set(value as number[])
}

function budgetOf(budget: unknown): Required<RetryBudgetOptions> | false {
  if (budget === false) return false
  if (budget !== undefined && (typeof budget !== 'object' || budget === null)) {
    throw new ConfigError('retry(): budget must be an object { ratio, windowMs, minRetries } or false')
  }
  rejectUnknownOptions('retry(): budget', budget, BUDGET_OPTIONS)
  const { ratio, windowMs, minRetries } = (budget ?? {}) as RetryBudgetOptions
  return {
    ratio: amount(ratio, 'budget.ratio', 0.2),
    windowMs: amount(windowMs, 'budget.windowMs', 10_000, 1_000, MAX_BUDGET_WINDOW_MS),
    minRetries: count(minRetries, 'budget.minRetries', 10),
  }
}

/** Checks `retry()`'s options and fills in the defaults; a bad option is a `ConfigError`. */
export function retrySettings(options: RetryOptions): RetrySettings {
  if (typeof options !== 'object' || options === null) throw new ConfigError('retry() options must be an object')
  refuseReplacedCallbacks('retry()', options)
  rejectUnknownOptions('retry()', options, RETRY_OPTIONS)
  const minDelay = amount(options.minDelay, 'minDelay', 300, 0, MAX_WAIT_MS)
  const maxDelay = amount(options.maxDelay, 'maxDelay', 10_000, 0, MAX_WAIT_MS)
  if (maxDelay < minDelay) throw new ConfigError('retry(): maxDelay must not be below minDelay')
  if (options.unprocessed !== undefined && typeof options.unprocessed !== 'function') {
    throw new ConfigError('retry(): unprocessed must be a function of the response')
  }
  return {
    retries: count(options.retries, 'retries', 2),
    methods: methodsOf(options.methods),
    statuses: statusesOf(options.statuses),
    minDelay,
    maxDelay,
    factor: amount(options.factor, 'factor', 2, 1),
    maxRetryAfter: amount(options.maxRetryAfter, 'maxRetryAfter', 60_000, 0, MAX_WAIT_MS),
    budget: budgetOf(options.budget),
    unprocessed: options.unprocessed,
  }
}
