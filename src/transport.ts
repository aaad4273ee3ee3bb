import ky, { isKyError, isNetworkError, isTimeoutError, type Options as KyOptions } from 'ky'
import type { Context } from './context.ts'
import { attemptBudget, deadlineError } from './deadline.ts'
import { AbortError, ConfigError, NetworkError, PlyError, RedirectError, TimeoutError } from './errors.ts'
import { describeFailure, systemCode } from './failure.ts'
import { isConditional } from './headers.ts'
import { type Hop, isRedirect, nextHop, type RedirectOptions } from './redirect.ts'
import { summarize } from './request-summary.ts'

/** The innermost step of the onion: sends `ctx.request` and sets `ctx.response`. */
export type Transport = (ctx: Context) => Promise<void>

/** The signature of `fetch`, which `createClient({ fetch })` hands to ky. */
export type FetchFunction = (input: Request, init?: RequestInit) => Promise<Response>

/** Options of the ky transport. */
export interface TransportOptions extends RedirectOptions {
  /** The fetch implementation ky calls; the global `fetch` as it is when the transport is made, by default. */
  fetch?: FetchFunction | undefined
}

/**
 * The fetch a transport sends with: the one given, else the global `fetch` as it is now.
 * Taken once, when the client is made, so that a later `globalThis.fetch = client.fetch`
 * routes the application's calls through the client without the client calling itself.
 *
 * @throws {ConfigError} when no fetch is given and the runtime has none.
 */
export function captureFetch(given: FetchFunction | undefined): FetchFunction {
  if (given !== undefined) return given
  const global: unknown = globalThis.fetch
  if (typeof global !== 'function') {
    throw new ConfigError('this runtime has no global fetch: pass one as createClient({ fetch })')
  }
  // Bound, because ky calls it as a method of its options, and a browser's fetch refuses
  // any `this` but the window.
  return (global as typeof fetch).bind(globalThis)
}

const DEFAULT_MAX_REDIRECTS = 10

/**
 * The ky transport: one attempt per call, ky's own retry off (ply's `retry()` owns retries),
 * HTTP error statuses returned as responses, the per-attempt timeout and the caller's
 * `AbortSignal` applied. Redirects are followed here rather than by fetch, so that ply decides
 * what crosses to another origin (see `nextHop`). Failures are thrown as `NetworkError`,
 * `TimeoutError`, `AbortError` or `RedirectError`, and a request fetch refuses to build as a
 * `ConfigError` (sending it again could not help).
 */
export function kyTransport(options: TransportOptions = {}): Transport {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS
  const allowInsecureRedirects = options.allowInsecureRedirects ?? false
  // Plain options on the top-level `ky` merge faster per call than an instance's defaults.
  const base = {
    retry: 0,
    throwHttpErrors: false,
    redirect: 'manual',
    fetch: captureFetch(options.fetch) as typeof fetch,
  } as const

  // Plain functions returning promises, not async ones: while a request is out, the call holds
  // callbacks rather than suspended frames.
  const send = (ctx: Context, hop: Hop): Promise<Response> => {
    const { signal } = ctx.request
    let timeout: number | false
    try {
      timeout = attemptBudget(ctx)
    } catch (error) {
      return Promise.reject(error)
    }
    // Absent options are left out rather than passed as null: ky merges every key it is given.
    const init: KyOptions = { ...base, method: hop.method, headers: hop.headers, timeout }
    if (hop.body !== undefined) init.body = hop.body
    // fetch treats a request with a validator in "default" mode as "no-store" and adds
    // `Pragma` and `Cache-Control: no-cache` to it, which turns a revalidation into a reload
    // at every cache on the way. "force-cache" leaves the headers as given (fetch in Node has
    // no HTTP cache of its own, so it changes nothing else).
    if (isConditional(hop.headers)) init.cache = 'force-cache'
    if (signal !== undefined) init.signal = signal
    const failed = (error: unknown): never => {
      throw transportError(error, ctx, hop, timeout)
    }
    try {
      return ky(hop.url.href, init).then(undefined, failed)
    } catch (error) {
      // ky builds the Request at once: fetch's refusal of it is thrown, not returned.
      return Promise.reject(transportError(error, ctx, hop, timeout))
    }
  }

  /** Sends `hop`; a redirect is followed from there, anything else is the response. */
  const follow = (ctx: Context, hop: Hop, redirects: number): Promise<void> =>
    send(ctx, hop).then((response) => {
      const location = isRedirect(response.status) ? response.headers.get('location') : null
      if (location === null || maxRedirects === 0) {
        ctx.response = response
        return undefined
      }
      return redirect(ctx, hop, response, location, redirects)
    })

  const redirect = async (ctx: Context, hop: Hop, response: Response, location: string, redirects: number) => {
    await response.body?.cancel().catch(() => undefined)
    const summary = () => summarize(hop.method, hop.url)
    if (redirects === maxRedirects) {
      throw new RedirectError(`more than ${maxRedirects} redirects`, { reason: 'too-many', request: summary() })
    }
    const credentials = { headers: ctx.state.credentialHeaders, query: ctx.state.credentialQuery }
    const next = nextHop(hop, response.status, location, credentials, { allowInsecureRedirects, request: summary })
    // fetch refuses a URL with user info, and its TypeError would quote the credentials:
    // refuse such a Location here, naming neither it nor them.
    if (next.url.username !== '' || next.url.password !== '') {
      throw new RedirectError('the redirect leads to a URL with user info (credentials), which ply does not follow', {
        reason: 'bad-location',
        request: summary(),
      })
    }
    return follow(ctx, next, redirects + 1)
  }

  return (ctx) => {
    const request = ctx.request
    const { signal, body } = request
    if (signal?.aborted) return Promise.reject(abortError(signal, request.method, request.peekUrl()))
    if (body instanceof ReadableStream) {
      // A stream can be sent once; without this, a replay fails deep inside fetch with a vague TypeError.
      if (sentStreams.has(body)) {
        return Promise.reject(
          new ConfigError('a ReadableStream body was already sent and cannot be replayed; send bytes or a string'),
        )
      }
      sentStreams.add(body)
    }
    ctx.attempts += 1
    // peek: the transport only reads, so no attempt needs its own copy of URL and headers.
    return follow(ctx, { method: request.method, url: request.peekUrl(), headers: request.peekHeaders(), body }, 0)
  }
}

const sentStreams = new WeakSet<ReadableStream>()

function abortError(signal: AbortSignal, method: string, url: URL): AbortError {
  const request = summarize(method, url)
  return new AbortError(`the request was aborted (${request.method} ${request.url})`, { cause: signal.reason, request })
}

function transportError(error: unknown, ctx: Context, hop: Hop, timeout: number | false): PlyError {
  if (error instanceof PlyError) return error
  const { signal } = ctx.request
  if (signal?.aborted) return abortError(signal, hop.method, hop.url)
  const request = summarize(hop.method, hop.url)
  if (isTimeoutError(error)) {
    // Cut short by the deadline rather than the per-attempt timeout: say so.
    if (ctx.deadline !== undefined && Date.now() >= ctx.deadline - 1) return deadlineError(ctx)
    const timeoutMs = timeout === false ? 0 : timeout
    return new TimeoutError(`no response within ${timeoutMs} ms (${request.method} ${request.url})`, {
      request,
      timeoutMs,
    })
  }
  // A ky error holds the live Request (headers included), so only its cause is kept.
  const cause = isKyError(error) || isNetworkError(error) ? (error as Error).cause : error
  const code = systemCode(cause)
  // The failure text may quote the URL as given to fetch; PlyError redacts it (user info, secrets).
  const reason = describeFailure(cause)
  // ky wraps what fetch reports as a network failure; a bare TypeError without a system error
  // behind it is fetch refusing to build the request at all (a URL with user info, a body on
  // a GET, a header value it rejects). Sending it again would fail the same way, so it is not
  // a (retryable) NetworkError.
  if (!isNetworkError(error) && code === undefined && error instanceof TypeError) {
    return new ConfigError(`${request.method} ${request.url} cannot be sent: ${reason}`, { cause, request })
  }
  return new NetworkError(`${request.method} ${request.url} failed: ${reason}`, { cause, request, code })
}
