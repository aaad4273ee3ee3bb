import { AbortError, ConfigError, type Context, type Middleware, type Next } from '../../src/index.ts'
import { attemptBudget, type PlyRequest, ReplayedResponse, readBytes, summarize } from '../../src/kit.ts'
import { unlessAborted } from '../shared/abort.ts'
import { keyOf } from './key.ts'
import { DEDUPE_CALL_OPTIONS, type DedupeOptions, resolve } from './options.ts'

export { dedupeKey } from './key.ts'
export type { DedupeOptions } from './options.ts'

/** A `dedupe()` middleware, which also tells how many shared calls are in flight. */
export interface DedupeMiddleware extends Middleware {
  /** How many shared calls are in flight now (0 once every call has settled). */
  readonly inFlight: number
}

/** The outcome of a call nobody joined: its caller keeps the response `next()` left. */
const ALONE = Symbol('alone')
// Statuses whose response has no body; `new Response(bytes, …)` refuses one for them.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/** What a shared call produced, from which each caller gets its own `Response`. */
interface Outcome {
  readonly status: number
  readonly statusText: string
  readonly headers: Headers
  readonly url: string
  readonly body: Uint8Array<ArrayBuffer> | null
  /** What the shared call's earlier attempts failed with, when a retry inside made several. */
  readonly attemptCauses: unknown[] | undefined
  /** The credential the shared call was made with, as an auth middleware inside recorded it. */
  readonly credentialScope: string | undefined
}

/** One shared call, and the callers still waiting for it. */
interface Flight {
  /**
   * Aborts the shared call once every caller has aborted. None when the first caller has no
   * signal: it never aborts, so the shared call never needs aborting.
   */
  readonly controller: AbortController | undefined
  /** Callers waiting that have not aborted. When the last one aborts, the call is aborted. */
  waiting: number
  /** Whether a second caller joined: until one does, the first keeps the original `Response`. */
  shared: boolean
  /**
   * The outcome: shared bytes; `ALONE` when nobody joined (the first caller's `ctx.response`
   * is then the original); `undefined` when the inner stack settled without a response.
   */
  promise: Promise<Outcome | typeof ALONE | undefined>
}

/**
 * Merges identical requests that are in flight at the same time into one call of `next()`,
 * so one transport call serves them all. Two requests are identical when they have the same
 * method, the same URL (fragment aside), the same per-attempt `timeout` and `deadline`
 * options, the same `ctx.state.credentialScope` (which auth middlewares declare before the call starts)
 * and the same values of the headers that matter (`DedupeOptions.headers`, and every secret
 * header: see `isSecretHeader`); only GET and
 * HEAD by default, and never a request with a body, a call with `dedupe: false`, or a method
 * other than GET, HEAD, OPTIONS or TRACE. What it keys by never leaves the process; what
 * `dedupeKey` shows of it is a keyed hash, with no secret in clear.
 *
 * The first caller runs the inner stack; the others wait for it. When nobody joined by the
 * time the response arrives, the first caller keeps that response untouched. Otherwise the
 * body is read once, and every caller, the first included, gets its own `Response` (own
 * headers, own readable body, the original `url`), in raw mode (`client.fetch`) too. A
 * caller's abort rejects that caller at once with an `AbortError` and leaves the shared call
 * running for the others; when every caller has aborted, the shared call is aborted too. An
 * error from the shared call rejects every caller with that same error. The entry is dropped
 * as soon as the shared call settles, so a later request makes a new call: this is not a
 * cache.
 *
 * Reads `ctx.state.credentialScope` and `ctx.state.credentialHeaders`. On the callers that
 * did not make the call it sets `ctx.state.deduplicated = true` and copies the shared call's
 * `ctx.state.credentialScope` and `ctx.state.attemptCauses`; their `ctx.attempts` stays 0.
 * Put it inside `parse()` and the cache, outside retry, the rate limiter and auth.
 */
export function dedupe(options: DedupeOptions = {}): DedupeMiddleware {
  const settings = resolve(options)
  const flights = new Map<string, Flight>()

  const lead = (ctx: Context, next: Next, key: string): Flight => {
    const controller = ctx.request.signal === undefined ? undefined : new AbortController()
    // The context the shared call runs on. A first caller that can abort gets one of its own:
    // once it has aborted, the middlewares outside unwind and put their own requests (with
    // the aborted signal) back into its context while the inner stack still runs for the
    // others, and every later `next()` in there would fork from them.
    const shared = controller === undefined ? ctx : sharedContext(ctx, controller.signal)
    const land = (): void => {
      if (flights.get(key) === flight) flights.delete(key)
    }
    // What the shared call's own context counted belongs to the first caller.
    const fold = (): void => {
      if (shared !== ctx) {
        ctx.attempts += shared.attempts
        ctx.cacheStatus = shared.cacheStatus
      }
    }
    // Not async: a call nobody joins (most of them) holds a callback while it waits, and its
    // outcome costs no further promise.
    const outcome = (): Promise<Outcome> | typeof ALONE | undefined => {
      fold()
      const response = shared.response
      if (response === undefined || !flight.shared) {
        // Nobody joined while the request was out: the first caller keeps the response as
        // it came, body unread (a stream stays a stream), and nobody can join from now on.
        land()
        if (response === undefined) return undefined
        if (shared !== ctx) adopt(ctx, shared)
        return ALONE
      }
      // Callers may still join while the body is read; they get the same bytes.
      const read = share(shared, response, controller?.signal)
      read.then(land, land)
      return read
    }
    const failed = (error: unknown): never => {
      fold()
      land()
      throw error
    }
    let sent: Promise<void>
    try {
      sent = shared === ctx ? next() : next(shared)
    } catch (error) {
      sent = Promise.reject(error)
    }
    const flight: Flight = {
      controller,
      waiting: 0,
      shared: false,
      promise: sent.then<Outcome | typeof ALONE | undefined, never>(outcome, failed),
    }
    // Every caller may have aborted by the time it settles: nobody is left to see its error.
    // A first caller without a signal never aborts, and always sees it.
    if (controller !== undefined) flight.promise.catch(() => undefined)
    flights.set(key, flight)
    return flight
  }

  /** Waits for the shared call on behalf of one caller, whose own `signal` may abort the wait. */
  const wait = (
    flight: Flight,
    key: string,
    request: PlyRequest,
    signal: AbortSignal | undefined,
  ): Promise<Outcome | typeof ALONE | undefined> => {
    flight.waiting += 1
    return unlessAborted(flight.promise, signal, () => {
      flight.waiting -= 1
      if (flight.waiting === 0) {
        // Nobody wants the answer any more: abort the shared call, and let a new request
        // start afresh rather than join a call that is being torn down.
        if (flights.get(key) === flight) flights.delete(key)
        flight.controller?.abort(signal?.reason)
      }
      return abortError(request, signal as AbortSignal)
    })
  }

  /** Puts the shared call's outcome in a caller's context. */
  const receive = (ctx: Context, follower: boolean, outcome: Outcome | typeof ALONE | undefined): void => {
    // Alone: `next()` left the original response (and anything an inner parse did) in place.
    if (outcome === ALONE) return
    if (follower) {
      ctx.state.deduplicated = true
      if (outcome?.attemptCauses !== undefined) ctx.state.attemptCauses = outcome.attemptCauses
      // The response was fetched with this credential: a cache outside partitions by it.
      if (outcome?.credentialScope !== undefined) ctx.state.credentialScope = outcome.credentialScope
    }
    ctx.parsed = undefined
    ctx.response = outcome === undefined ? undefined : responseOf(outcome)
  }

  // Not async: while the call waits for the network, it holds a callback, not a frame.
  const middleware = (ctx: Context, next: Next): Promise<void> => {
    const key = keyOf(ctx, settings)
    if (key === undefined) return next()
    // Read before `next()`: while the inner stack runs, `ctx.request` is its copy.
    const request = ctx.request
    const signal = request.signal
    if (signal?.aborted) return Promise.reject(abortError(request, signal))
    let flight = flights.get(key)
    const follower = flight !== undefined
    if (flight === undefined) flight = lead(ctx, next, key)
    else flight.shared = true
    return wait(flight, key, request, signal).then((outcome) => receive(ctx, follower, outcome))
  }

  return Object.defineProperties(middleware, {
    inFlight: { get: () => flights.size, enumerable: true },
    callOptions: { value: DEDUPE_CALL_OPTIONS, enumerable: true },
    phase: { value: 'dedupe', enumerable: true },
    displayName: { value: 'dedupe()', enumerable: true },
  }) as DedupeMiddleware
}

/**
 * A context for a shared call whose first caller may abort: the caller's context with a
 * request of its own that carries the shared `signal`, and the same state (so what the
 * inner middlewares record, the credential scope and the attempt causes, reaches the caller).
 */
function sharedContext(ctx: Context, signal: AbortSignal): Context {
  const request = ctx.request.fork()
  request.signal = signal
  return { ...ctx, request, response: undefined, parsed: undefined, attempts: 0 }
}

/** Reads the shared call's body once, for every caller to get a `Response` of its own. */
async function share(shared: Context, response: Response, signal: AbortSignal | undefined): Promise<Outcome> {
  const request = shared.request
  if (response.bodyUsed) {
    throw new ConfigError('dedupe(): a middleware inside dedupe() read the response body; put dedupe() inside parse()')
  }
  let body: Uint8Array<ArrayBuffer> | null = null
  if (request.method === 'HEAD' || NULL_BODY_STATUSES.has(response.status)) {
    await response.body?.cancel().catch(() => undefined)
  } else {
    // A fetch body's chunks are backed by plain ArrayBuffers, which `new Response` takes.
    body = (await readBytes(response, {
      // The per-attempt timeout, cut to what is left of the first caller's deadline.
      timeout: attemptBudget(shared),
      signal,
      request: () => summarize(request.method, request.peekUrl()),
    })) as Uint8Array<ArrayBuffer>
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
    url: response.url,
    body,
    attemptCauses: shared.state.attemptCauses,
    credentialScope: shared.state.credentialScope,
  }
}

/** Hands the first caller what its shared call left: the response and anything parsed. */
function adopt(ctx: Context, shared: Context): void {
  ctx.response = shared.response
  ctx.parsed = shared.parsed
}

/** A fresh `Response` for one caller: its own headers and body, with the original `url`. */
function responseOf(outcome: Outcome): Response {
  return new ReplayedResponse(outcome.body, {
    status: outcome.status,
    statusText: outcome.statusText,
    headers: new Headers(outcome.headers),
    url: outcome.url,
  })
}

function abortError(request: PlyRequest, signal: AbortSignal): AbortError {
  const summary = summarize(request.method, request.peekUrl())
  return new AbortError(`the request was aborted (${summary.method} ${summary.url})`, {
    cause: signal.reason,
    request: summary,
  })
}
