/**
 * ply: a framework for building REST API clients. A client is an ordered stack of
 * middlewares (a Koa-style onion) around a ky transport.
 *
 * @module
 */
export { type BodyParseOptions, isJsonType, mediaType, parseBody } from './body.ts'
export { type BodyReadOptions, type BoundedBody, readBytes, readBytesUpTo } from './body-read.ts'
export type { CallOptions, DataOf, Method, PathParamNames } from './call-types.ts'
export { Client, createClient } from './client.ts'
export type { ClientOptions } from './client-options.ts'
export { compose } from './compose.ts'
export type {
  CacheStatus,
  Context,
  ContextState,
  HeadersInput,
  ParamValue,
  QueryInit,
  QueryValue,
  Quota,
  QuotaKeeper,
  RequestOptions,
} from './context.ts'
export { detachContext, PlyRequest } from './context.ts'
export { attemptBudget, deadlineError, remainingTime } from './deadline.ts'
export {
  AbortError,
  AuthError,
  ConfigError,
  HttpError,
  NetworkError,
  ParseError,
  PlyError,
  type PlyErrorOptions,
  RateLimitError,
  RedirectError,
  type RedirectFailure,
  type RequestSummary,
  TimeoutError,
} from './errors.ts'
export {
  type CacheHitEvent,
  type CallEvent,
  type CallEvents,
  type ClientEventName,
  type ClientEvents,
  type ClientListener,
  type EventDetail,
  type RateLimitedEvent,
  type RequestEvent,
  type ResponseEvent,
  type RetryingEvent,
  SILENT,
} from './events.ts'
export { describeFailure, systemCode } from './failure.ts'
export type { FetchLike } from './fetch-request.ts'
export { isConditional } from './headers.ts'
export { isHttpError } from './http-error-guard.ts'
export { ClientClosedError } from './lifecycle.ts'
export type { Middleware, MiddlewareHost, Next } from './middleware.ts'
export {
  closestName,
  type OptionName,
  optionNames,
  rejectUnknownCallOptions,
  rejectUnknownOptions,
} from './options.ts'
export { type NextPage, nextLink, type PageInfo, type Paginated, type PaginateOptions } from './paginate.ts'
export type { Phase } from './phases.ts'
export {
  isSecretHeader,
  isSecretQueryParam,
  mayHoldSecretParam,
  redactHeader,
  redactHeaders,
  redactMessage,
  redactQueryParam,
  redactUrl,
  redactUrlText,
} from './redact.ts'
export type { RedirectOptions } from './redirect.ts'
export { isSharedBytes, ReplayedResponse, type ReplayInit } from './replay.ts'
export { summarize } from './request-summary.ts'
export { type ApiResponse, parseResponse } from './response.ts'
export { REDACTED, redactData, redactText, registerSecret, type SecretOptions } from './secret-registry.ts'
export type { FetchFunction, Transport, TransportOptions } from './transport.ts'
