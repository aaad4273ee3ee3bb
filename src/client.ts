import type { StandardSchemaV1 } from '@standard-schema/spec'
import { CORE_CALL_OPTIONS, collectCallOptions } from './call-options.ts'
import { assertMiddleware, compose } from './compose.ts'
import {
  type Context,
  type HeadersInput,
  type Middleware,
  type ParamValue,
  PlyRequest,
  type Quota,
  type QuotaKeeper,
  type RequestOptions,
} from './context.ts'
import { ConfigError, HttpError, PlyError } from './errors.ts'
import { type CallEvents, ClientEmitter, type ClientEventName, type ClientListener, SILENT } from './events.ts'
import { type FetchLike, fetchRequest } from './fetch-request.ts'
import { applyHeaders } from './headers.ts'
import { optionNames, rejectUnknownCallOptions, rejectUnknownOptions } from './options.ts'
import { PAGINATE_OPTIONS, type Paginated, type PaginateOptions, paginate } from './paginate.ts'
import type { RedirectOptions } from './redirect.ts'
import { dropUnfitContentType, requestBody } from './request-body.ts'
import { type ApiResponse, apiResponseOf, httpErrorOf, parseResponse } from './response.ts'
import { captureFetch, type FetchFunction, kyTransport, type Transport } from './transport.ts'
import { appendQuery, expandPath, joinUrl } from './url.ts'

/** Options of `createClient()` and `client.extend()`. */
export interface ClientOptions extends RedirectOptions {
  /** Prepended to every relative path, as a string (`https://host/api/v3` + `/users` keeps `/api/v3`). */
  baseUrl?: string | undefined
  /** Headers sent with every request (a call's own headers win). */
  headers?: HeadersInput | undefined
  /** Per-attempt timeout in milliseconds, for the response and again for reading its body; `false` for none. Default 10 000. */
  timeout?: number | false | undefined
  /** Whether a non-2xx final response rejects with an `HttpError` (default `true`). */
  throwHttpErrors?: boolean | undefined
  /**
   * The fetch implementation ky calls. Default: the global `fetch` as it is when the client is
   * created (a later change of `globalThis.fetch`, to this client's own `fetch` for example,
   * does not reach it). A child from `extend()` inherits it.
   */
  fetch?: FetchFunction | undefined
}

/** An HTTP method; the usual ones are suggested, any token is accepted. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | (string & {})

/** The names of a path template's placeholders: `'/users/{name}'` gives `'name'`. */
export type PathParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `+${infer Reserved}` ? Reserved : Name) | PathParamNames<Rest>
  : never

/** A call's options, with `params` required and typed when the path is a literal template. */
export type CallOptions<P extends string = string> = Omit<RequestOptions, 'params'> &
  (string extends P
    ? { params?: RequestOptions['params'] }
    : [PathParamNames<P>] extends [never]
      ? { params?: Readonly<Record<string, never>> | undefined }
      : { params: Readonly<Record<PathParamNames<P>, ParamValue>> })

/** The arguments after the path: options are required when the template has parameters. */
export type CallArgs<P extends string, O> = string extends P
  ? [options?: O]
  : [PathParamNames<P>] extends [never]
    ? [options?: O]
    : [options: O]

/** The data type of a call: the schema's output when a `schema` is given, else `T`. */
export type DataOf<T, O> = O extends { schema: infer S extends StandardSchemaV1 } ? StandardSchemaV1.InferOutput<S> : T

/** Where `#call` puts the real (unredacted) URL that answered, for `paginate()`. */
interface UrlSink {
  url: string
}

const DEFAULT_TIMEOUT = 10_000
const DEFAULT_ACCEPT = 'application/json, */*;q=0.8'
const MAX_TIMEOUT = 2_147_483_647 // setTimeout's limit

/**
 * A REST API client: an ordered stack of middlewares around a ky transport. Build one with
 * `createClient()`, add middlewares with `use()`, and call `get`, `post`, … or `fetch`.
 */
export class Client {
  readonly #options: ClientOptions
  readonly #headers: Headers
  readonly #timeout: number | false
  readonly #middlewares: Middleware[]
  /** The per-call options a call may give: the core's, and those the middlewares declare. */
  readonly #callOptions = new Set<string>(CORE_CALL_OPTIONS)
  readonly #transport: Transport
  readonly #emitter = new ClientEmitter()
  #stack: Middleware | undefined
  /** `fetch`, bound to this client, made at its first read. */
  #fetch: FetchLike | undefined
  /** The innermost step: the transport, for whichever context reaches it. */
  readonly #last = (ctx: Context | undefined): Promise<void> => {
    // The composed stack always passes the context; `undefined` only satisfies `Next`'s type.
    if (ctx === undefined) return Promise.reject(new PlyError('the transport was called without a context'))
    return this.#transport(ctx)
  }

  /**
   * Creates a client; `createClient(options)` is the same as `new Client(options)`.
   *
   * @param options The client's options, checked up front (`ConfigError` for a bad one).
   * @param middlewares The stack to start with, outermost first, as if each had been given to
   *   `use()` in order. The array is copied: changing it later does not change the client.
   * @throws {ConfigError} for a bad option, or when `middlewares` is not an array of functions.
   */
  constructor(options: ClientOptions = {}, middlewares: readonly Middleware[] = []) {
    validateOptions(options)
    if (!Array.isArray(middlewares)) {
      const got = middlewares === null ? 'null' : typeof middlewares
      throw new ConfigError(`new Client(options, middlewares): middlewares must be an array, got ${got}`)
    }
    middlewares.forEach((middleware, index) => {
      assertMiddleware(middleware, `new Client(): middlewares[${index}]`)
      collectCallOptions(this.#callOptions, middleware, `new Client(): middlewares[${index}]`)
    })
    // The fetch is captured now, and a child from `extend()` inherits it: a later
    // `globalThis.fetch = client.fetch` cannot make either send through a client's stack.
    this.#options = { ...options, fetch: captureFetch(options.fetch) }
    this.#headers = applyHeaders(new Headers({ accept: DEFAULT_ACCEPT }), options.headers, 'headers')
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT
    this.#middlewares = [...middlewares]
    this.#transport = kyTransport(this.#options)
  }

  /** Adds a middleware inside the ones added before it (Koa's order: first added is outermost). */
  use(middleware: Middleware): this {
    assertMiddleware(middleware, 'use()')
    collectCallOptions(this.#callOptions, middleware, 'use()')
    this.#middlewares.push(middleware)
    this.#stack = undefined
    return this
  }

  /**
   * The per-call options this client accepts: the core's (`params`, `query`, `headers`, …)
   * and those its middlewares declare in their `callOptions` (`retry`, `priority`, …). A
   * call with any other option is a `ConfigError` naming it. A read-only view.
   */
  get callOptions(): ReadonlySet<string> {
    return this.#callOptions
  }

  /**
   * What the stack's rate limiter last learnt of a group's quota (limit, remaining, reset),
   * from the innermost middleware that keeps quotas (`rateLimit()`); `undefined` when none does.
   */
  quota(group?: string): Quota | undefined {
    for (let i = this.#middlewares.length - 1; i >= 0; i--) {
      const keeper = this.#middlewares[i] as Middleware & Partial<QuotaKeeper>
      if (typeof keeper.quota === 'function') return keeper.quota(group)
    }
    return undefined
  }

  /**
   * Listens to an event of this client's calls: `request` (a call starts), `response` (it
   * settles, with a status or an error), `retry`, `rateLimited` and `cacheHit` (what the
   * middlewares did). A child from `extend()` starts without listeners. A listener that
   * throws does not fail the call; its error surfaces as an uncaught exception.
   */
  on<K extends ClientEventName>(name: K, listener: ClientListener<K>): this {
    if (typeof listener !== 'function') throw new ConfigError(`on('${name}'): the listener must be a function`)
    this.#emitter.on(name, listener)
    return this
  }

  /** Removes a listener added with `on()`. */
  off<K extends ClientEventName>(name: K, listener: ClientListener<K>): this {
    this.#emitter.off(name, listener)
    return this
  }

  /** Makes a request with any method and resolves to its `ApiResponse`. */
  request<T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    method: Method,
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<DataOf<T, O>>> {
    return this.#call('request()', method.toUpperCase(), path, options)
  }

  /** `GET path`. */
  get<T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<DataOf<T, O>>> {
    return this.#call('get()', 'GET', path, options)
  }

  /** `HEAD path`; `data` is always `undefined`. */
  head<P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<undefined>> {
    return this.#call('head()', 'HEAD', path, options)
  }

  /** `DELETE path`. */
  delete<T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<DataOf<T, O>>> {
    return this.#call('delete()', 'DELETE', path, options)
  }

  /** `POST path`, with a `json`, `form` or `body` option. */
  post<T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<DataOf<T, O>>> {
    return this.#call('post()', 'POST', path, options)
  }

  /** `PUT path`, with a `json`, `form` or `body` option. */
  put<T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<DataOf<T, O>>> {
    return this.#call('put()', 'PUT', path, options)
  }

  /** `PATCH path`, with a `json`, `form` or `body` option. */
  patch<T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
    path: P,
    ...[options]: CallArgs<P, O>
  ): Promise<ApiResponse<DataOf<T, O>>> {
    return this.#call('patch()', 'PATCH', path, options)
  }

  /**
   * A `fetch` that runs this client's whole stack: it takes what `fetch` takes and resolves to
   * the standard `Response` with its body unread. It does not throw for HTTP error statuses,
   * only for network failures, timeouts and aborts (as ply errors). Relative URLs resolve
   * against `baseUrl`. Headers are the client's defaults with, on top, `init.headers` when
   * given, else the `Request`'s (as with `new Request(request, init)`, `init.headers` replace
   * the Request's). Its `cache` mode reaches a cache middleware as the call's `cache` option;
   * other `RequestInit` fields (`credentials`, `mode`, `redirect`, …) are not used.
   *
   * It is bound to its client (one function per client, the same at every read), so it can
   * be handed on unbound: `const f = api.fetch`, `ky.create({ fetch: api.fetch })`,
   * openapi-fetch's `fetch` option, or `globalThis.fetch = api.fetch`. The client sends with
   * the fetch it captured when it was created, so the last one does not make it call itself.
   */
  get fetch(): FetchLike {
    this.#fetch ??= (input, init) => this.#fetchThrough(input, init ?? {})
    return this.#fetch
  }

  async #fetchThrough(input: string | URL | Request, init: RequestInit): Promise<Response> {
    const defaults = { baseUrl: this.#options.baseUrl, headers: this.#headers, timeout: this.#timeout }
    const ctx = this.#context(await fetchRequest(input, init, defaults), true)
    if (ctx.events === SILENT) return this.#run(ctx)
    return reported(ctx, performance.now(), () => this.#run(ctx))
  }

  /**
   * Walks a paginated collection: an async iterable over its items, following
   * `Link: <…>; rel="next"` (RFC 8288) unless a `next` function says otherwise. `.pages()`
   * iterates the responses instead, and `.all()` collects the items. Each page is a `get()`
   * through the whole stack.
   *
   * As for `get()`, a literal path template requires `params` naming its placeholders
   * (`paginate('/users/{name}/repos')` does not compile), but only while TypeScript infers the
   * path's type: with an explicit type argument (`paginate<Repo[]>(…)`) the path is typed
   * `string` and `params` is not checked at compile time. A missing parameter is still a
   * `ConfigError` before any request.
   */
  paginate<T = unknown, Item = T extends readonly (infer E)[] ? E : unknown, P extends string = string>(
    path: P,
    ...[options]: CallArgs<P, CallOptions<P> & PaginateOptions<T, Item>>
  ): Paginated<T, Item> {
    rejectUnknownCallOptions('paginate()', options, this.#callOptions, PAGINATE_OPTIONS)
    return paginate<T, Item>(
      async (url, call) => {
        const sink: UrlSink = { url: '' }
        const page = await this.#call<T>('paginate()', 'GET', url, call, sink)
        return { page, url: sink.url }
      },
      path,
      options ?? {},
    )
  }

  /**
   * A child client: its options are this client's with `options` on top (headers merged), and
   * it starts with the same middlewares. Its stack is its own list, so `use()` on either side
   * does not affect the other; the middleware instances themselves (a cache, a limiter) are
   * shared on purpose. It sends with the fetch this client captured unless `options.fetch`
   * replaces it, and its own `fetch` is bound to the child.
   */
  extend(options: ClientOptions = {}): Client {
    checkOptionNames(options, 'extend()')
    const headers = new Headers(this.#headers)
    applyHeaders(headers, options.headers, 'headers')
    // An option given as `undefined` inherits, rather than resetting to the default.
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
    return new Client({ ...this.#options, ...given, headers }, this.#middlewares)
  }

  /** Makes one call; `where` names it in a `ConfigError` for an option no one reads. */
  #call<R>(
    where: string,
    method: string,
    path: string,
    options: RequestOptions = {},
    sink?: UrlSink,
  ): Promise<ApiResponse<R>> {
    const startedAt = performance.now()
    let ctx: Context
    try {
      rejectUnknownCallOptions(where, options, this.#callOptions)
      ctx = this.#context(this.#buildRequest(method, path, options), false, options.deadline)
    } catch (error) {
      // Bad input rejects the call's promise, as any other failure does, rather than throwing.
      return Promise.reject(error)
    }
    if (ctx.events === SILENT) return this.#answer(ctx, options, startedAt, sink)
    return reported(ctx, startedAt, () => this.#answer<R>(ctx, options, startedAt, sink))
  }

  /**
   * Runs the stack for a call and turns its response into an `ApiResponse` or an `HttpError`.
   * `sink` receives the real URL that answered, which `ApiResponse.url` shows redacted.
   */
  #answer<R>(ctx: Context, options: RequestOptions, startedAt: number, sink?: UrlSink): Promise<ApiResponse<R>> {
    // Not async: while the request is out, the call holds a callback rather than a frame.
    return this.#run(ctx).then((response) => {
      if (sink !== undefined) sink.url = response.url || ctx.request.peekUrl().href
      const finish = (data: unknown): ApiResponse<R> => {
        if (!response.ok && (options.throwHttpErrors ?? this.#options.throwHttpErrors ?? true)) {
          const error = httpErrorOf(ctx, response, data)
          if (ctx.state.attemptCauses !== undefined) error.attemptCauses = ctx.state.attemptCauses
          throw error
        }
        return apiResponseOf(ctx, response, data as R, startedAt)
      }
      return ctx.parsed ? finish(ctx.parsed.data) : parseResponse(ctx, response).then(finish)
    })
  }

  #buildRequest(method: string, path: string, options: RequestOptions): PlyRequest {
    const url = joinUrl(this.#options.baseUrl, expandPath(path, options.params))
    appendQuery(url, options.query)
    const { body, contentType, implied } = requestBody(method, options)
    const timeout = options.timeout ?? this.#timeout
    if (options.timeout !== undefined) validateTimeout(options.timeout)
    if (options.deadline !== undefined) validateTimeout(options.deadline, 'deadline')
    const signal = options.signal
    if (options.headers === undefined && implied === undefined) {
      // Most calls add no headers: they share the client's, copied only if a middleware changes them.
      return new PlyRequest({ method, url, sharedHeaders: this.#headers, body, timeout, signal, options })
    }
    const headers = new Headers(this.#headers)
    // The type a body implies beats the client's default (a form is not JSON because the
    // client says JSON by default); the call's own `content-type` header, applied next, beats both.
    dropUnfitContentType(headers, implied)
    applyHeaders(headers, options.headers, 'headers')
    if (contentType !== undefined && !headers.has('content-type')) headers.set('content-type', contentType)
    return new PlyRequest({ method, url, headers, body, timeout, signal, options })
  }

  #context(request: PlyRequest, raw: boolean, deadline?: number): Context {
    // The URL as the call was made; the events redact it, and only when someone listens.
    const events: CallEvents = this.#emitter.forCall(request.method, () => request.peekUrl())
    return {
      request,
      response: undefined,
      parsed: undefined,
      deadline: deadline === undefined ? undefined : Date.now() + deadline,
      attempts: 0,
      cacheStatus: 'bypass',
      raw,
      state: {},
      events,
    }
  }

  #run(ctx: Context): Promise<Response> {
    this.#stack ??= compose(this.#middlewares)
    const stack = this.#stack
    const prepared = stack.prepare?.(ctx)
    const ran = prepared === undefined ? stack(ctx, this.#last) : prepared.then(() => stack(ctx, this.#last))
    return ran.then(() => {
      if (ctx.response === undefined) {
        throw new PlyError(
          'the middleware stack settled without a response: a middleware neither called next() nor answered',
        )
      }
      return ctx.response
    })
  }
}

/**
 * Runs a call with its `request` and `response` events around it; the `response` event
 * reports an error as well as a status, and the call's outcome is passed on unchanged.
 */
async function reported<T extends { readonly status: number }>(
  ctx: Context,
  startedAt: number,
  run: () => Promise<T>,
): Promise<T> {
  ctx.events.emit('request', {})
  const done = (status: number | undefined, error: PlyError | undefined) =>
    ctx.events.emit('response', {
      status,
      error,
      durationMs: performance.now() - startedAt,
      cacheStatus: ctx.cacheStatus,
      attempts: ctx.attempts,
      rateLimitWaitMs: ctx.state.rateLimitWaitMs ?? 0,
    })
  try {
    const value = await run()
    done(value.status, undefined)
    return value
  } catch (error) {
    const failure = error instanceof PlyError ? error : new PlyError('the call failed', { cause: error })
    done(failure instanceof HttpError ? failure.status : undefined, failure)
    throw error
  }
}

function validateTimeout(timeout: unknown, name = 'timeout'): void {
  if (timeout === false && name === 'timeout') return
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT) {
    throw new ConfigError(
      `${name} must be a positive number of milliseconds up to ${MAX_TIMEOUT}${name === 'timeout' ? ', or false' : ''}; got ${String(timeout)}`,
    )
  }
}

/** Every option of `ClientOptions`, for the check of their names. */
const CLIENT_OPTIONS = optionNames<ClientOptions>()([
  'baseUrl',
  'headers',
  'timeout',
  'throwHttpErrors',
  'fetch',
  'maxRedirects',
  'allowInsecureRedirects',
])

/** Refuses options that are not an object, or that hold a name `ClientOptions` does not have. */
function checkOptionNames(options: unknown, where: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`)
  }
  rejectUnknownOptions(where, options, CLIENT_OPTIONS)
}

function validateOptions(options: ClientOptions): void {
  checkOptionNames(options, 'createClient()')
  if (options.baseUrl !== undefined) {
    let url: URL
    try {
      url = new URL(options.baseUrl)
    } catch (cause) {
      // The value is not echoed: a malformed URL cannot be redacted, and it may hold a key.
      throw new ConfigError('baseUrl is not an absolute URL (scheme and host, e.g. https://api.example.com)', { cause })
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`baseUrl must be http: or https:, got ${url.protocol}`)
    }
    if (url.username || url.password) {
      throw new ConfigError('baseUrl must not hold credentials; use an auth middleware instead')
    }
    if (/[?#]/.test(String(options.baseUrl))) {
      // Paths are appended to baseUrl; after a query or a fragment they would land inside it.
      throw new ConfigError('baseUrl must not have a query or a fragment; give query parameters per call')
    }
  }
  if (options.timeout !== undefined) validateTimeout(options.timeout)
  const { maxRedirects } = options
  if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && maxRedirects >= 0)) {
    throw new ConfigError(`maxRedirects must be a whole number ≥ 0, got ${String(maxRedirects)}`)
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigError('fetch must be a function')
  }
}

/** Creates a client. Add middlewares with `use()`; the transport is ky. */
export function createClient(options: ClientOptions = {}): Client {
  return new Client(options)
}
