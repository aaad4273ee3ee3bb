import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { CacheStatus } from './cache-status.ts'
import type { CallEvents, CallFacts } from './events.ts'

// Part of the context's vocabulary (ctx.cacheStatus), so it is exported from here too.
export type { CacheStatus }

/** A path parameter's value: it is turned into a string and percent-encoded. */
export type ParamValue = string | number | boolean | bigint

/** A query parameter's value; `undefined` and `null` drop the parameter, arrays repeat it. */
export type QueryValue = ParamValue | null | undefined | readonly (ParamValue | null | undefined)[]

/** The query: a record (arrays repeat the key, `undefined`/`null` are dropped), or a ready `URLSearchParams`. */
export type QueryInit = Readonly<Record<string, QueryValue>> | URLSearchParams

/** Headers: any `HeadersInit`, or a record whose `undefined` values are dropped. */
export type HeadersInput = HeadersInit | Readonly<Record<string, string | undefined>>

/**
 * The options of one call. Middlewares add their own per-call options by augmenting this
 * interface (`declare module 'ply-http' { interface RequestOptions { retry?: … } }`), declare
 * them in their `callOptions` (the client refuses an option no one declares) and read them
 * from `ctx.request.options`.
 */
export interface RequestOptions {
  /** Values for the `{name}` (one segment) and `{+name}` (several segments) placeholders. */
  params?: Readonly<Record<string, ParamValue | undefined>> | undefined
  /** The query string; appended to any query already in the path. */
  query?: QueryInit | undefined
  /** Headers for this call, on top of the client's defaults. */
  headers?: HeadersInput | undefined
  /** A value sent as JSON, with `Content-Type: application/json`. */
  json?: unknown
  /** A form: a record or `URLSearchParams` is URL-encoded, a `FormData` is sent as multipart. */
  form?: Readonly<Record<string, ParamValue | undefined>> | URLSearchParams | FormData | undefined
  /** A raw body, sent as is. A `ReadableStream` can be sent once only, so it is never replayed. */
  body?: BodyInit | undefined
  /** Per-attempt timeout in milliseconds (for the response, and again for reading its body); `false` for none. */
  timeout?: number | false | undefined
  /**
   * Total time for the call in milliseconds, across every attempt and every wait (retry
   * backoff, rate-limit queue), next to the per-attempt `timeout`. When it passes the call
   * fails with a `TimeoutError`; a wait that would cross it is not started.
   */
  deadline?: number | undefined
  /** Aborts the call; the call then rejects with an `AbortError`. */
  signal?: AbortSignal | undefined
  /** Overrides the client's `throwHttpErrors` for this call. */
  throwHttpErrors?: boolean | undefined
  /** A Standard Schema (zod, valibot, arktype, …) that validates the parsed body. */
  schema?: StandardSchemaV1 | undefined
  /**
   * How a cache middleware treats this call, as fetch's `cache` mode: `'default'`,
   * `'no-store'` (bypass the cache), `'reload'` (go to the network, store the answer),
   * `'no-cache'` (revalidate any stored answer), `'force-cache'` (use any stored answer, even
   * stale), `'only-if-cached'` (never the network: a 504 without a stored answer). Without a
   * cache middleware it has no effect.
   */
  cache?: RequestCache | undefined
}

/**
 * The request the transport will send. Each call of `next()` gives the inner stack its own
 * copy: a middleware may change `method`, `url`, `headers`, `body`, `timeout` and `signal`
 * freely, and the change is seen by the middlewares inside it and the transport, for this
 * attempt only. Copies are made lazily, on first access to `url` or `headers`.
 */
export class PlyRequest {
  /** The HTTP method, upper-case. */
  method: string
  /** The body, already serialised (JSON text, `URLSearchParams`, `FormData`, bytes, …). */
  body: BodyInit | undefined
  /** Per-attempt timeout in milliseconds, or `false` for none. */
  timeout: number | false
  /** The caller's abort signal. */
  signal: AbortSignal | undefined
  /** The options the call was made with (read-only: shared by every attempt). */
  readonly options: Readonly<RequestOptions>
  #url: URL | undefined
  #headers: Headers | undefined
  /** Headers owned by someone else (the client's defaults), copied before the first change. */
  readonly #sharedHeaders: Headers | undefined
  readonly #parent: PlyRequest | undefined

  constructor(
    init: {
      method: string
      /** Required for a request without a parent. */
      url?: URL | undefined
      /** Required for a request without a parent. */
      headers?: Headers | undefined
      /** Headers this request must not change (copied on first access to `headers`); instead of `headers`. */
      sharedHeaders?: Headers | undefined
      body?: BodyInit | undefined
      timeout: number | false
      signal?: AbortSignal | undefined
      options: Readonly<RequestOptions>
    },
    parent?: PlyRequest,
  ) {
    this.method = init.method
    this.#url = init.url
    this.#headers = init.headers
    this.#sharedHeaders = init.sharedHeaders
    this.body = init.body
    this.timeout = init.timeout
    this.signal = init.signal
    this.options = init.options
    this.#parent = parent
  }

  /** The URL to send to; a fresh copy for each attempt. */
  get url(): URL {
    this.#url ??= new URL(this.peekUrl().href)
    return this.#url
  }

  set url(value: URL) {
    this.#url = value
  }

  /** The headers to send; a fresh copy for each attempt. */
  get headers(): Headers {
    this.#headers ??= new Headers(this.peekHeaders())
    return this.#headers
  }

  set headers(value: Headers) {
    this.#headers = value
  }

  /**
   * The URL without making this attempt's copy. Read-only use only: mutating the result
   * would change an outer middleware's request.
   */
  peekUrl(): URL {
    // Every request up the chain whose copy was never made still equals its parent's.
    // biome-ignore lint/style/noNonNullAssertion: the root request always holds a URL
    return this.#url ?? this.#parent!.peekUrl()
  }

  /** The headers without making this attempt's copy; read-only use only (see `peekUrl`). */
  peekHeaders(): Headers {
    // biome-ignore lint/style/noNonNullAssertion: a root request always holds headers, own or shared
    return this.#headers ?? (this.#parent ? this.#parent.peekHeaders() : this.#sharedHeaders!)
  }

  /** A copy for one call of `next()`: same values, with `url` and `headers` copied on first use. */
  fork(): PlyRequest {
    return new PlyRequest(
      {
        method: this.method,
        body: this.body,
        timeout: this.timeout,
        signal: this.signal,
        options: this.options,
      },
      this,
    )
  }
}

/**
 * Per-call scratch space through which middlewares talk to each other. Middlewares document
 * the fields they set and read, and may declare them by augmenting this interface.
 */
export interface ContextState {
  /**
   * Header names (lower-case) that carry this call's credentials, besides `Authorization`,
   * `Proxy-Authorization` and `Cookie`: the transport removes them on a redirect to another
   * origin. Auth middlewares add to it.
   */
  credentialHeaders?: Set<string>
  /** Query parameters that carry this call's credentials, removed on a cross-origin redirect. */
  credentialQuery?: Set<string>
  /**
   * Set by a retrying middleware: what each attempt before the last failed with. The client
   * puts it on the final error as `attemptCauses`.
   */
  attemptCauses?: unknown[]
  [key: string]: unknown
}

/** Everything one call carries through the onion. */
export interface Context {
  /** What the transport will send. Each `next()` call hands the inner stack its own copy. */
  readonly request: PlyRequest
  /** The response, set when `next()` resolves (or by a middleware that answers itself). */
  response: Response | undefined
  /** The parsed body, once a `parse()` middleware (or the client's edge) has read it. */
  parsed: { readonly data: unknown } | undefined
  /** When the call's `deadline` passes, in `Date.now()` milliseconds; `undefined` without one. */
  readonly deadline: number | undefined
  /** How many times the transport was called for this call. */
  attempts: number
  /** What the cache did; middlewares that answer from a cache set it. */
  cacheStatus: CacheStatus
  /**
   * `true` for `client.fetch()`: the caller wants the `Response` itself, so middlewares must
   * leave its body unread.
   */
  readonly raw: boolean
  /** Scratch space shared by the middlewares of this call. */
  readonly state: ContextState
  /**
   * The origin of the client's `baseUrl` (`https://api.example.com`), `undefined` for a client
   * without one: where a credential configured without its own `origins` may be sent.
   */
  readonly baseOrigin?: string | undefined
  /**
   * Reports what a middleware did to the client's listeners (`client.on('retry', …)`):
   * `ctx.events.emit('retry', { attempt, delayMs })`. Does nothing when nobody listens.
   */
  readonly events: CallEvents
  /**
   * What middlewares add to the call's summary (the `response` event, `log()`): a rate
   * limiter's `rateLimitWaitMs`, for instance. Each declares its facts in `CallFacts`.
   */
  readonly facts: CallFacts
}

/**
 * A context for work that outlives the call it came from (a background refresh): a copy of
 * the request without the caller's signal or deadline, no response yet, and `state` as its
 * scratch space (what the caller carries over, such as its credential scope). Pass it to
 * `next(context)`.
 */
export function detachContext(ctx: Context, state: ContextState = {}): Context {
  const request = ctx.request.fork()
  request.signal = undefined
  return {
    baseOrigin: ctx.baseOrigin,
    request,
    response: undefined,
    parsed: undefined,
    deadline: undefined,
    attempts: 0,
    cacheStatus: 'bypass',
    raw: ctx.raw,
    state,
    // The background work still belongs to the call that started it; its listeners hear it.
    events: ctx.events,
    facts: {},
  }
}

/** What a server last said about a quota: its limit, what remains, and when it resets. */
export interface Quota {
  readonly limit: number | undefined
  readonly remaining: number | undefined
  readonly reset: Date | undefined
}

/**
 * A middleware that keeps quotas (a rate limiter): `client.quota(group)` asks the innermost
 * such middleware of the stack.
 */
export interface QuotaKeeper {
  /** What the server last said about a group's quota; the default group when none is named. */
  quota(group?: string): Quota
}
