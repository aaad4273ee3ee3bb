/**
 * ply: a framework for building REST API clients. A client is an ordered stack of
 * middlewares (a Koa-style onion) around a ky transport.
 *
 * This entry holds what application code uses; what a middleware author needs besides is in
 * `ply-http/kit`, and the middlewares are in `ply-http/middleware`.
 *
 * @module
 */
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
  RequestOptions,
} from './context.ts'
export {
  AbortError,
  AuthError,
  ConfigError,
  HttpError,
  NetworkError,
  ParseError,
  PlyError,
  RateLimitError,
  RedirectError,
  type RedirectFailure,
  type RequestSummary,
  TimeoutError,
} from './errors.ts'
export type {
  CallEvent,
  CallFacts,
  CallSummary,
  ClientEventName,
  ClientEvents,
  ClientListener,
  ResponseEvent,
} from './events.ts'
export type { FetchLike } from './fetch-request.ts'
export { isHttpError } from './http-error-guard.ts'
export { ClientClosedError } from './lifecycle.ts'
export type { Middleware, Next } from './middleware.ts'
export { type NextPage, nextLink, type PageInfo, type Paginated, type PaginateOptions } from './paginate.ts'
export type { Phase } from './phases.ts'
export type { RedirectOptions } from './redirect.ts'
export type { ApiResponse } from './response.ts'
export type { FetchFunction } from './transport.ts'
