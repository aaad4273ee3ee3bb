import { answerOf, type UrlSink } from './call-answer.ts'
import { callContext } from './call-context.ts'
import { reported } from './call-report.ts'
import { callRequest } from './call-request.ts'
import type { CallArgs, CallOptions, DataOf, Method } from './call-types.ts'
import {
  type ClientOptions,
  childOptions,
  DEFAULT_ACCEPT,
  DEFAULT_TIMEOUT,
  validateClientOptions,
} from './client-options.ts'
import type { Context, PlyRequest, Quota, RequestOptions } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'
import { type CallEvents, ClientEmitter, type ClientEventName, type ClientListener, SILENT } from './events.ts'
import { type FetchDefaults, type FetchLike, fetchRequest } from './fetch-request.ts'
import { applyHeaders } from './headers.ts'
import { Lifecycle } from './lifecycle.ts'
import type { Middleware } from './middleware.ts'
import { rejectUnknownCallOptions } from './options.ts'
import { PAGINATE_OPTIONS, type Paginated, type PaginateOptions, paginate } from './paginate.ts'
import type { ApiResponse } from './response.ts'
import { bindSecretHeaders } from './secret-headers.ts'
import { MiddlewareStack } from './stack.ts'
import { captureFetch, kyTransport, type Transport } from './transport.ts'

/**
 * A REST API client: an ordered stack of middlewares around a ky transport. Build one with
 * `createClient()`, add middlewares with `use()`, and call `get`, `post`, … or `fetch`.
 */
export class Client {
  readonly #options: ClientOptions
  /** What the client lends each call: its base URL, default headers and timeout. */
  readonly #defaults: FetchDefaults
  readonly #stack: MiddlewareStack
  /** The origin of `baseUrl`, where credentials without `origins` of their own may go. */
  readonly #baseOrigin: string | undefined
  readonly #transport: Transport
  readonly #emitter = new ClientEmitter()
  /** Whether calls are refused, and the one closing of the middlewares this client owns. */
  #lifecycle = new Lifecycle()
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
    validateClientOptions(options)
    this.#baseOrigin = options.baseUrl === undefined ? undefined : new URL(options.baseUrl).origin
    this.#stack = new MiddlewareStack(middlewares, { baseOrigin: this.#baseOrigin })
    // The fetch is captured now, and a child from `extend()` inherits it: a later
    // `globalThis.fetch = client.fetch` cannot make either send through a client's stack.
    this.#options = { ...options, fetch: captureFetch(options.fetch) }
    const headers = applyHeaders(new Headers({ accept: DEFAULT_ACCEPT }), options.headers, 'headers')
    const { secretHeaders, crossOrigin } = options
    const secrets = bindSecretHeaders(secretHeaders, crossOrigin, this.#baseOrigin, headers, this)
    this.#defaults = { baseUrl: options.baseUrl, headers, timeout: options.timeout ?? DEFAULT_TIMEOUT, secrets }
    this.#transport = kyTransport(this.#options)
  }

  /** Adds a middleware inside the ones added before it (Koa's order: first added is outermost). */
  use(middleware: Middleware): this {
    this.#stack.add(middleware, 'use()')
    return this
  }

  /**
   * The per-call options this client accepts: the core's (`params`, `query`, `headers`, …)
   * and those its middlewares declare in their `callOptions` (`retry`, `priority`, …). A
   * call with any other option is a `ConfigError` naming it. A read-only view.
   */
  get callOptions(): ReadonlySet<string> {
    return this.#stack.callOptions
  }

  /**
   * What the stack's rate limiter last learnt of a group's quota (limit, remaining, reset),
   * from the innermost middleware that keeps quotas (`rateLimit()`); `undefined` when none does.
   */
  quota(group?: string): Quota | undefined {
    return this.#stack.quota(group)
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
    if (this.#lifecycle.closed) throw this.#lifecycle.refusal('fetch()')
    const ctx = this.#context(await fetchRequest(input, init, this.#defaults), true)
    if (ctx.events === SILENT) return this.#stack.run(ctx, this.#last)
    return reported(ctx, performance.now(), () => this.#stack.run(ctx, this.#last))
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
    rejectUnknownCallOptions('paginate()', options, this.#stack.callOptions, PAGINATE_OPTIONS)
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
   * replaces it, and its own `fetch` is bound to the child. The middlewares it starts with
   * belong to this client: the child's `close()` leaves them open, and closing this client
   * closes the child too.
   */
  extend(options: ClientOptions = {}): Client {
    const inherited = this.#stack.middlewares
    const child = new Client(childOptions(this.#options, this.#defaults.headers, options), inherited)
    child.#lifecycle = new Lifecycle(this.#lifecycle, inherited)
    return child
  }

  /**
   * Closes the client: from now on every call (each verb, `fetch`, a `paginate()` page)
   * rejects with a `ClientClosedError`, and the middlewares it owns are closed once, innermost
   * first, each awaited: `flush()` (a cache's pending writes land) and then `close()` (Redis
   * connections end, timers are cleared, calls waiting in a rate limiter's queue or a retry's
   * back-off settle with an `AbortError`). Calls already sent are not aborted: each ends on
   * its own, bounded by its `timeout` and `deadline`. A second `close()` returns the same
   * promise. It rejects only when a middleware failed to close (the others are closed anyway).
   */
  close(): Promise<void> {
    return this.#lifecycle.close(this.#stack.middlewares)
  }

  /** `await using api = createClient(…)` closes the client when the block ends: `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  /** Makes one call; `where` names it in a `ConfigError` for an option no one reads. */
  #call<R>(
    where: string,
    method: string,
    path: string,
    options: RequestOptions = {},
    sink?: UrlSink,
  ): Promise<ApiResponse<R>> {
    if (this.#lifecycle.closed) return Promise.reject(this.#lifecycle.refusal(where))
    const startedAt = performance.now()
    let ctx: Context
    try {
      rejectUnknownCallOptions(where, options, this.#stack.callOptions)
      ctx = this.#context(callRequest(method, path, options, this.#defaults), false, options.deadline)
    } catch (error) {
      // Bad input rejects the call's promise, as any other failure does, rather than throwing.
      return Promise.reject(error)
    }
    if (ctx.events === SILENT) return this.#answer(ctx, options, startedAt, sink)
    return reported(ctx, startedAt, () => this.#answer<R>(ctx, options, startedAt, sink))
  }

  /** Runs the stack for a call and turns its response into an `ApiResponse` or an `HttpError`. */
  #answer<R>(ctx: Context, options: RequestOptions, startedAt: number, sink?: UrlSink): Promise<ApiResponse<R>> {
    const throwHttpErrors = options.throwHttpErrors ?? this.#options.throwHttpErrors ?? true
    return answerOf<R>(this.#stack.run(ctx, this.#last), ctx, throwHttpErrors, startedAt, sink)
  }

  #context(request: PlyRequest, raw: boolean, deadline?: number): Context {
    // The URL as the call was made; the events redact it, and only when someone listens.
    const events: CallEvents = this.#emitter.forCall(request.method, () => request.peekUrl())
    return callContext(request, raw, deadline, events, this.#baseOrigin)
  }
}

/** Creates a client. Add middlewares with `use()`; the transport is ky. */
export function createClient(options: ClientOptions = {}): Client {
  return new Client(options)
}
