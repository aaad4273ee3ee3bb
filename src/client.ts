import { answerOf, type UrlSink } from './call-answer.ts'
import { callContext } from './call-context.ts'
import { reported } from './call-report.ts'
import { callRequest } from './call-request.ts'
import {
  type ClientOptions,
  childOptions,
  DEFAULT_ACCEPT,
  DEFAULT_TIMEOUT,
  validateClientOptions,
} from './client-options.ts'
import type { PaginateCall, RequestCall, RouteDefaults, RoutesOption, Untyped, Verb } from './client-types.ts'
import type { Context, PlyRequest, Quota, RequestOptions } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'
import { type CallEvents, ClientEmitter, type ClientEventName, type ClientListener, SILENT } from './events.ts'
import { type FetchDefaults, type FetchLike, fetchRequest } from './fetch-request.ts'
import { applyHeaders } from './headers.ts'
import { Lifecycle } from './lifecycle.ts'
import type { Middleware } from './middleware.ts'
import { rejectUnknownCallOptions } from './options.ts'
import { PAGINATE_OPTIONS, type PaginateOptions, paginate } from './paginate.ts'
import type { ApiResponse } from './response.ts'
import { parseRoute, type Route, routeTable, withRouteDefaults } from './routes.ts'
import { bindSecretHeaders } from './secret-headers.ts'
import { MiddlewareStack } from './stack.ts'
import { captureFetch, kyTransport, type Transport } from './transport.ts'

/** Each client's `baseUrl`, for `clientBaseUrl()`. */
const baseUrls = new WeakMap<object, string | undefined>()

/**
 * A REST API client: an ordered stack of middlewares around a ky transport. Build one with
 * `createClient()`, add middlewares with `use()`, and call `get`, `post`, … or `fetch`.
 * `Client<paths>` (from `createClient<paths>()`) is the same client with its calls typed by
 * an OpenAPI document's openapi-typescript `paths`.
 */
export class Client<Paths extends object = Untyped> {
  readonly #options: ClientOptions
  /** The `routes` option: call options per `'METHOD /path'`, laid under each call's own. */
  readonly #routes: ReadonlyMap<string, RouteDefaults> | undefined
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
    this.#routes = routeTable(options.routes)
    baseUrls.set(this, options.baseUrl)
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

  /**
   * Makes a request with any method and resolves to its `ApiResponse`: `request(method, path,
   * options)`, or `request('GET /pets/{petId}', options)` (on a typed client, the route form
   * only, checked against the document).
   */
  readonly request: RequestCall<Paths> = ((first: string, ...rest: [unknown?, unknown?]) => {
    if (typeof rest[0] === 'string') return this.#call('request()', first.toUpperCase(), rest[0], rest[1] as never)
    let route: Route
    try {
      route = parseRoute(first, 'request()')
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#call('request()', route.method, route.path, rest[0] as never)
  }) as never

  /** `GET path`. */
  readonly get: Verb<Paths, 'get'> = this.#verb('get()', 'GET')
  /** `HEAD path`; `data` is always `undefined`. */
  readonly head: Verb<Paths, 'head'> = this.#verb('head()', 'HEAD')
  /** `DELETE path`. */
  readonly delete: Verb<Paths, 'delete'> = this.#verb('delete()', 'DELETE')
  /** `POST path`, with a `json`, `form` or `body` option. */
  readonly post: Verb<Paths, 'post'> = this.#verb('post()', 'POST')
  /** `PUT path`, with a `json`, `form` or `body` option. */
  readonly put: Verb<Paths, 'put'> = this.#verb('put()', 'PUT')
  /** `PATCH path`, with a `json`, `form` or `body` option. */
  readonly patch: Verb<Paths, 'patch'> = this.#verb('patch()', 'PATCH')

  /** One verb: a function of the path and the options (typed by `Verb`, checked at run time by `#call`). */
  #verb(where: string, method: string): never {
    const verb = (path: string, options?: RequestOptions) => this.#call(where, method, path, options)
    return verb as never
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
  readonly paginate: PaginateCall<Paths> = ((
    path: string,
    given?: RequestOptions & PaginateOptions<unknown, unknown>,
  ) => {
    rejectUnknownCallOptions('paginate()', given, this.#stack.callOptions, PAGINATE_OPTIONS)
    // Each later page is a URL, not the route: the route's defaults are laid under every page now.
    const options = this.#routes === undefined ? given : withRouteDefaults(this.#routes, 'GET', path, given)
    return paginate<unknown, unknown>(
      async (url, call) => {
        const sink: UrlSink = { url: '' }
        const page = await this.#call<unknown>('paginate()', 'GET', url, call, sink)
        return { page, url: sink.url }
      },
      path,
      options ?? {},
    )
  }) as never

  /**
   * A child client: its options are this client's with `options` on top (headers merged), and
   * it starts with the same middlewares. Its stack is its own list, so `use()` on either side
   * does not affect the other; the middleware instances themselves (a cache, a limiter) are
   * shared on purpose. It sends with the fetch this client captured unless `options.fetch`
   * replaces it, and its own `fetch` is bound to the child. The middlewares it starts with
   * belong to this client: the child's `close()` leaves them open, and closing this client
   * closes the child too.
   */
  extend(options: ClientOptions = {}): Client<Paths> {
    const inherited = this.#stack.middlewares
    const child = new Client<Paths>(childOptions(this.#options, this.#defaults.headers, options), inherited)
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
    given: RequestOptions | undefined,
    sink?: UrlSink,
  ): Promise<ApiResponse<R>> {
    if (this.#lifecycle.closed) return Promise.reject(this.#lifecycle.refusal(where))
    const startedAt = performance.now()
    const options = (this.#routes === undefined ? given : withRouteDefaults(this.#routes, method, path, given)) ?? {}
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

/** A client's `baseUrl` (what `isHttpError(error, client, route)` matches an error's URL against). */
export function clientBaseUrl(client: Client<object>): string | undefined {
  return baseUrls.get(client)
}

/**
 * Creates a client. Add middlewares with `use()`; the transport is ky. With the `paths` type
 * openapi-typescript generates from an OpenAPI document, `createClient<paths>(…)`, its calls
 * are checked against the document: paths, parameters, bodies and the data (see
 * docs/openapi.md).
 */
export function createClient<Paths extends object = Untyped>(
  options: Omit<ClientOptions, 'routes'> & { routes?: RoutesOption<Paths> | undefined } = {},
): Client<Paths> {
  return new Client<Paths>(options as ClientOptions)
}
