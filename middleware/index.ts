/**
 * The middlewares ply ships. Each is a factory that returns a `Middleware`; what their
 * authors share is in `ply-http/kit`.
 *
 * @module
 */
export {
  type ApiKeyOptions,
  type ApiKeyPlacement,
  auth,
  type BasicOptions,
  type BearerOptions,
  type CredentialOrigins,
  type CredentialSource,
  type OAuth2Options,
  type OriginOptions,
} from './auth/index.ts'
export {
  type CacheHitEvent,
  type CacheKeyFunction,
  type CacheMiddleware,
  type CacheOptions,
  type CacheWarning,
  cache,
  type KeyvLike,
  MemoryStore,
  type MemoryStoreOptions,
} from './cache/index.ts'
export {
  type CircuitBreakerMiddleware,
  type CircuitBreakerOptions,
  type CircuitEvent,
  CircuitOpenError,
  type CircuitReason,
  type CircuitSnapshot,
  type CircuitState,
  circuitBreaker,
  type FleetState,
  type ProbeClaim,
  type SharedCircuits,
  type SharedCircuitsSource,
} from './circuit/index.ts'
export { type DedupeMiddleware, type DedupeOptions, dedupe, dedupeKey } from './dedupe/index.ts'
export { type LogEntry, type LogLevel, type LogOptions, lineOf, log, type StructuredLogger } from './log.ts'
export { type ParseOptions, parse } from './parse.ts'
export {
  type AdaptiveConcurrency,
  type ConcurrencyEvent,
  type GroupLimits,
  type LimitedEvent,
  type LimitReason,
  type Limits,
  type RateLimitMiddleware,
  type RateLimitOptions,
  rateLimit,
  type SharedEstimate,
  type SharedHooks,
  type SharedLimiter,
  type SharedLimiters,
  type SharedLimits,
  type SharedLimitsSource,
} from './ratelimit/index.ts'
export {
  type RetryBudgetOptions,
  type RetryCallOption,
  type RetryEvent,
  type RetryOptions,
  retry,
} from './retry/index.ts'
export { type TracingOptions, tracing } from './tracing.ts'
