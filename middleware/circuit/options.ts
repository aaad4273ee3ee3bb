import { type CallEvent, ConfigError, type Context } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import type { SharedCircuitsSource } from './shared.ts'

/**
 * Where a breaker stands for one key: `'closed'` lets calls through, `'open'` refuses them
 * at once, `'half-open'` has let one probe through and refuses the rest until it settles.
 */
export type CircuitState = 'closed' | 'open' | 'half-open'

/**
 * Why a breaker changed state: `'failures'` (the consecutive failures reached `failures`),
 * `'ratio'` (the failure ratio over the window reached `failureRatio`), `'probe'` (the open
 * time passed and this call is the probe), `'probe-succeeded'`, `'probe-failed'`, or
 * `'shared'` (another process sharing the breaker's state opened or closed it).
 */
export type CircuitReason = 'failures' | 'ratio' | 'probe' | 'probe-succeeded' | 'probe-failed' | 'shared'

/** The client's `circuit` event (`client.on('circuit', listener)`): a breaker changed state during this call. */
export interface CircuitEvent extends CallEvent {
  /** The breaker's key (the origin by default), with registered secrets masked. */
  readonly key: string
  readonly from: CircuitState
  readonly to: CircuitState
  readonly reason: CircuitReason
  /** The consecutive failures counted when it changed (0 once it closes). */
  readonly failures: number
  /** When it opened: how long it stays open before one probe, in ms. */
  readonly openMs?: number | undefined
}

/** What `state(key)` of a breaker reports for one key. */
export interface CircuitSnapshot {
  /** The key, as the key function gave it (the origin by default). */
  readonly key: string
  readonly state: CircuitState
  /** Consecutive failures counted since the last success. */
  readonly failures: number
  /** While open: when one probe may go out. */
  readonly resetAt: Date | undefined
}

/** Options of `circuitBreaker()`. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker (default 5). */
  failures?: number
  /** How long the breaker stays open before it lets one probe through, in ms (default 30 000). */
  openMs?: number
  /**
   * The longest open time, in ms: each failed probe doubles the open time, up to this. Default
   * `openMs`, so every opening lasts `openMs`.
   */
  maxOpenMs?: number
  /**
   * Also open when at least this share of the calls over the last `windowMs` failed (a number
   * above 0, up to 1), once at least `minCalls` calls were counted there. Default: off (only
   * consecutive failures open the breaker).
   */
  failureRatio?: number
  /** The sliding window of `failureRatio`, in ms (default 60 000, in ten buckets). */
  windowMs?: number
  /** The fewest calls in the window before `failureRatio` may open the breaker (default 20). */
  minCalls?: number
  /**
   * Which breaker a call goes through: calls with the same key share one. Default: the
   * request's origin (`https://api.example.com`); return a route for one breaker per route.
   */
  key?: (ctx: Context) => string
  /**
   * Whether a response's status counts as a failure. Default: 500 to 599. A 429 is the rate
   * limiter's business, not the breaker's: it never counts, as a failure or as a success.
   */
  isFailure?: (status: number) => boolean
  /**
   * How many keys are held at most (default 1 000); the least recently used one is dropped
   * past that, so a client calling many origins keeps a bounded set.
   */
  maxKeys?: number
  /**
   * Share the breakers with every process that uses the same id: what `redisConnection({ url
   * | client, id })` of `ply-http/redis` makes. When one process opens a breaker, the others
   * refuse its calls too, and the fleet sends one probe. Default: breakers of this process.
   */
  shared?: SharedCircuitsSource | undefined
}

/** The options, checked, with the defaults filled in. */
export interface CircuitSettings {
  readonly failures: number
  readonly openMs: number
  readonly maxOpenMs: number
  readonly failureRatio: number | undefined
  readonly windowMs: number
  readonly minCalls: number
  readonly key: ((ctx: Context) => string) | undefined
  readonly isFailure: (status: number) => boolean
  readonly maxKeys: number
}

declare module '../../src/index.ts' {
  interface ClientEvents {
    /** `circuitBreaker()` changed state during this call (opened, let a probe through, closed). */
    circuit: CircuitEvent
  }
}

const CIRCUIT_OPTIONS = optionNames<CircuitBreakerOptions>()([
  'failures',
  'openMs',
  'maxOpenMs',
  'failureRatio',
  'windowMs',
  'minCalls',
  'key',
  'isFailure',
  'maxKeys',
  'shared',
])

const WHERE = 'circuitBreaker()'
/** `setTimeout`'s limit, the longest wait retry() can honour. */
const MAX_MS = 2_147_483_647

function whole(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`${WHERE}: ${name} must be a whole number ≥ ${min}, got ${String(value)}`)
  }
  return value
}

function duration(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_MS) {
    throw new ConfigError(`${WHERE}: ${name} must be a number of ms above 0, up to ${MAX_MS}, got ${String(value)}`)
  }
  return value
}

function fn<T>(value: unknown, name: string, what: string): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw new ConfigError(`${WHERE}: ${name} must be a function ${what}`)
  return value as T
}

const isServerError = (status: number): boolean => status >= 500 && status <= 599

/** Checks `circuitBreaker()`'s options and fills in the defaults; a bad option is a `ConfigError`. */
export function circuitSettings(options: CircuitBreakerOptions): CircuitSettings {
  if (typeof options !== 'object' || options === null) throw new ConfigError(`${WHERE} options must be an object`)
  rejectUnknownOptions(WHERE, options, CIRCUIT_OPTIONS)
  const openMs = duration(options.openMs, 'openMs', 30_000)
  const maxOpenMs = duration(options.maxOpenMs, 'maxOpenMs', openMs)
  if (maxOpenMs < openMs) throw new ConfigError(`${WHERE}: maxOpenMs must not be below openMs`)
  const { failureRatio } = options
  if (
    failureRatio !== undefined &&
    !(typeof failureRatio === 'number' && Number.isFinite(failureRatio) && failureRatio > 0 && failureRatio <= 1)
  ) {
    throw new ConfigError(`${WHERE}: failureRatio must be a number above 0, up to 1, got ${String(failureRatio)}`)
  }
  const shared: unknown = options.shared
  if (shared !== undefined && typeof (shared as { sharedCircuits?: unknown } | null)?.sharedCircuits !== 'function') {
    throw new ConfigError(`${WHERE}: shared must be what redisConnection({ url | client, id }) of ply-http/redis makes`)
  }
  return {
    failures: whole(options.failures, 'failures', 5, 1),
    openMs,
    maxOpenMs,
    failureRatio,
    windowMs: duration(options.windowMs, 'windowMs', 60_000),
    minCalls: whole(options.minCalls, 'minCalls', 20, 1),
    key: fn(options.key, 'key', 'of the context, returning a string'),
    isFailure: fn(options.isFailure, 'isFailure', 'of a status, returning a boolean') ?? isServerError,
    maxKeys: whole(options.maxKeys, 'maxKeys', 1_000, 1),
  }
}
