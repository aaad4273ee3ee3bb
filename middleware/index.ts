/**
 * The middlewares ply ships. Each is a factory that returns a `Middleware`.
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
  credentialScope,
  type OAuth2Options,
  type OriginOptions,
  setCredentialScopeKey,
} from './auth/index.ts'
export {
  type CacheKeyFunction,
  type CacheMiddleware,
  type CacheOptions,
  type CacheWarning,
  cache,
  type KeyvLike,
  MemoryStore,
  type MemoryStoreOptions,
} from './cache/index.ts'
export { type DedupeMiddleware, type DedupeOptions, dedupe, dedupeKey } from './dedupe/index.ts'
export { type LogEntry, type LogLevel, type LogOptions, lineOf, log, type StructuredLogger } from './log.ts'
export { type ParseOptions, parse } from './parse.ts'
export {
  type GroupLimits,
  type LimitedEvent,
  type LimitReason,
  type Limits,
  type Quota,
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
// Helpers the middlewares share, for middleware authors too: ending a wait on abort, HTTP
// dates, base64 without Buffer, a synchronous SHA-256, and credential scopes
// (`credentialScope` above, with auth).
export { unlessAborted } from './shared/abort.ts'
export { decodeBase64, encodeBase64, encodeBase64Text } from './shared/base64.ts'
export { sha256Base64Url } from './shared/digest.ts'
export { parseHttpDate } from './shared/http-date.ts'
export { type TracingOptions, tracing } from './tracing.ts'
