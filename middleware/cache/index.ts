import {
  attemptBudget,
  type CacheStatus,
  ConfigError,
  type Context,
  detachContext,
  isConditional,
  type Middleware,
  NetworkError,
  type Next,
  RateLimitError,
  ReplayedResponse,
  summarize,
  TimeoutError,
} from '../../src/index.ts'
import { readAtMost, StreamedResponse } from './body.ts'
import { type Directives, deltaSeconds, parseDirectives } from './directives.ts'
import {
  ageOf,
  type CacheRecord,
  headerPairs,
  mergeHeaders,
  replay,
  retentionMs,
  type StoredResponse,
  storedHeader,
  withDate,
  withVariant,
} from './entry.ts'
import { assess, type Freshness, isPragmaNoCache } from './freshness.ts'
import { cacheKey, partitionOf, resourceOf, selectVariant, varyValues } from './key.ts'
import { type CacheOptions, type CacheSettings, resolveOptions } from './options.ts'
import { MemoryStore } from './store.ts'

export type { CacheWarning } from './guard.ts'
export type { CacheKeyFunction } from './key.ts'
export type { CacheOptions, KeyvLike } from './options.ts'
export { MemoryStore, type MemoryStoreOptions } from './store.ts'

/** One call of `next()`: for the call's own context, or for a detached one (a background refresh). */
type Run = () => Promise<void>

/** The `cache()` middleware, with a way to wait for the work it does in the background. */
export interface CacheMiddleware extends Middleware {
  /**
   * Resolves once the background work started so far has settled: stale-while-revalidate
   * refreshes, and store writes (which a call never waits for). For a script that closes its
   * store (`keyv.disconnect()`) or exits at once after its last call, and for tests.
   */
  flush(): Promise<void>
}

/** Where a call's response goes in the store. */
interface Slot {
  readonly key: string
  /** What the key held when the call looked (every variant), to write back with the new one. */
  readonly record: CacheRecord | undefined
  /** `ctx.state.credentialScope` when the key was made: the partition the key stands for. */
  readonly scope: string | undefined
  /** The request's `Cache-Control` directives (see `requestDirectives`). */
  readonly directives: Directives
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
/** fetch's cache modes, which a call's `cache` option takes. */
const CACHE_MODES: ReadonlySet<string> = new Set<RequestCache>([
  'default',
  'no-store',
  'reload',
  'no-cache',
  'force-cache',
  'only-if-cached',
])
// `Pragma: no-cache` on a request without `Cache-Control` (RFC 9111 §5.4).
const PRAGMA_NO_CACHE: Directives = new Map([['no-cache', true]])
// Answers after which a stale response may stand in for the origin (RFC 5861 §4).
const ORIGIN_ERRORS = new Set([500, 502, 503, 504])

/**
 * An HTTP cache (RFC 9111, as a private cache unless `shared`) for GET and HEAD responses, over
 * any Keyv store or the in-memory default.
 *
 * - Stores what the rules allow (`Cache-Control`, `Expires`, heuristics from `Last-Modified`,
 *   `ttl` for 2xx responses that state nothing) and reuses it while fresh (`cacheStatus:
 *   'hit'`, no request at all). `Vary` keeps one variant per combination of the named headers.
 * - A stale response with an `ETag` or `Last-Modified` is revalidated with `If-None-Match` /
 *   `If-Modified-Since`; a 304 refreshes the stored headers and replays the stored body
 *   (`'revalidated'`). `stale-while-revalidate` serves it stale (`'stale'`) and refreshes it
 *   in the background, once however many callers ask; `stale-if-error` serves it stale when
 *   the origin fails.
 * - Honours the request's `Cache-Control` (`no-cache`, `no-store`, `max-age`, `max-stale`,
 *   `min-fresh`, `only-if-cached`) and the call's `cache` mode (as fetch's: `no-store`,
 *   `reload`, `no-cache`, `force-cache`, `only-if-cached`; `client.fetch` passes its own).
 * - A successful POST, PUT, PATCH or DELETE invalidates what is stored for its URL and for its
 *   same-origin `Location` and `Content-Location`.
 * - Entries are partitioned by credential: the key holds the `ctx.state.credentialScope` an
 *   auth middleware declares (in its `prepare`, so the cache sees it even when auth sits
 *   inside) and keyed hashes of credentials the request carries itself. No store holds a
 *   secret in clear (a store outside the process gets hashed keys, which show no URL either),
 *   and `Set-Cookie` is never stored (a hit has none).
 * - A custom middleware inside the cache that adds a credential (a request signer) must
 *   declare it the same way, or responses fetched with one credential would be stored where
 *   another finds them: give it a `prepare` hook that sets `ctx.state.credentialScope` to
 *   `credentialScope('<scheme>', credentialId)`. A scope that appears only while the call
 *   runs (set after the key was made) keeps that response out of the store.
 * - A store that fails or stalls (`storeTimeout`) makes the cache step aside: the request goes
 *   to the network and `onStoreError` hears of it; the store is then left alone for 5 s.
 *   Writes never hold a response. Bodies over `maxBodyBytes` are not stored, nor read whole:
 *   the caller streams them.
 *
 * Sets `ctx.cacheStatus`. Put it inside `parse()` and outside dedupe, retry, the rate limiter
 * and auth, so that a hit costs no transport call and no rate-limit slot. `flush()` waits for
 * its background work.
 */
export function cache(options: CacheOptions = {}): CacheMiddleware {
  const settings = resolveOptions(options)
  const refreshing = new Map<string, Promise<void>>()

  /** The rest of a call once its record is read: answer from it, revalidate it, or go to the network. */
  const answer = (ctx: Context, next: Next, slot: Slot, mode: RequestCache): void | Promise<void> => {
    const { key, record, directives } = slot
    const headers = ctx.request.peekHeaders()
    const entry = mode === 'reload' ? undefined : selectVariant(record, headers)
    const onlyIfCached = mode === 'only-if-cached' || directives.has('only-if-cached')
    if (entry === undefined) {
      if (onlyIfCached) return gatewayTimeout(ctx)
      return fetchAndStore(ctx, () => next(), settings, slot)
    }
    const now = Date.now()
    const age = ageOf(entry, now)
    const fresh = entry.lifetime > age
    if (onlyIfCached || mode === 'force-cache') return serve(ctx, entry, now, fresh ? 'hit' : 'stale')
    const validate =
      mode === 'no-cache' || directives.has('no-cache') || entry.noCache || !acceptsAge(directives, entry, age)
    if (!validate && fresh) return serve(ctx, entry, now, 'hit')
    if (!validate && !entry.mustRevalidate) {
      const staleness = age - entry.lifetime
      if (acceptsStale(directives, staleness)) return serve(ctx, entry, now, 'stale')
      if (staleness < entry.staleWhileRevalidate) {
        if (!refreshing.has(key)) {
          const detached = detachContext(ctx)
          const refresh = revalidate(detached, () => next(detached), settings, slot, entry)
            .then(() => release(detached.response))
            // A failed refresh leaves the stale entry in place; the next request tries again.
            .catch(() => undefined)
            .finally(() => refreshing.delete(key))
          refreshing.set(key, refresh)
        }
        return serve(ctx, entry, now, 'stale')
      }
    }
    return revalidate(ctx, () => next(), settings, slot, entry)
  }

  // Not async, and the memory store read without a promise: a miss on the way to the network
  // costs no extra turn of the microtask queue, and the call holds no frame while it waits.
  const middleware = (ctx: Context, next: Next): Promise<void> => {
    const request = ctx.request
    const method = request.method
    if (!settings.methods.has(method)) {
      const sent = next()
      return SAFE_METHODS.has(method) ? sent : sent.then(() => invalidate(ctx, settings, request.peekUrl()))
    }
    const headers = request.peekHeaders()
    const mode = request.options.cache ?? 'default'
    if (!CACHE_MODES.has(mode)) {
      return Promise.reject(
        new ConfigError(
          `cache: a call's cache mode must be one of ${[...CACHE_MODES].join(', ')}; got ${String(mode)}`,
        ),
      )
    }
    const directives = requestDirectives(headers)
    // The caller's own conditional or range request is theirs to handle: not answered, not stored.
    if (mode === 'no-store' || directives.has('no-store') || isConditional(headers) || headers.has('range')) {
      return next()
    }
    const scope = ctx.state.credentialScope
    let key: string
    try {
      const resource = settings.key ? settings.key(request) : resourceOf(request.peekUrl())
      key = cacheKey(ctx, method, resource, settings.hashKeys)
    } catch (error) {
      return Promise.reject(error)
    }
    // Read for reload too: it must not answer, but the other Vary variants are written back with the new one.
    const { store } = settings
    if (store instanceof MemoryStore) {
      const slot: Slot = { key, record: store.peek(key), scope, directives }
      return Promise.resolve(answer(ctx, next, slot, mode))
    }
    return store.get(key).then((record) => answer(ctx, next, { key, record, scope, directives }, mode))
  }

  return Object.assign(middleware, {
    async flush(): Promise<void> {
      while (refreshing.size > 0) await Promise.all(refreshing.values())
      await settings.store.flush?.()
    },
  })
}

/** The request's `Cache-Control` directives; `Pragma: no-cache` counts when it has none. */
function requestDirectives(headers: Headers): Directives {
  const field = headers.get('cache-control')
  if (field === null) return isPragmaNoCache(headers.get('pragma')) ? PRAGMA_NO_CACHE : parseDirectives(null)
  return parseDirectives(field)
}

/** The request's `max-age` and `min-fresh` (RFC 9111 §5.2.1.1, §5.2.1.3). */
function acceptsAge(directives: Directives, entry: StoredResponse, age: number): boolean {
  const maxAge = deltaSeconds(directives, 'max-age')
  if (maxAge !== undefined && age > (maxAge ?? 0)) return false
  const minFresh = deltaSeconds(directives, 'min-fresh')
  return minFresh === undefined || entry.lifetime - age >= (minFresh ?? 0)
}

/** The request's `max-stale` (RFC 9111 §5.2.1.2): a bare `max-stale` accepts any staleness. */
function acceptsStale(directives: Directives, staleness: number): boolean {
  if (!directives.has('max-stale')) return false
  const limit = deltaSeconds(directives, 'max-stale')
  return limit === null || staleness <= (limit ?? 0)
}

function serve(
  ctx: Context,
  entry: StoredResponse,
  now: number,
  status: Exclude<CacheStatus, 'miss' | 'bypass'>,
  cookies?: readonly string[],
): void {
  ctx.response = replay(entry, now, cookies)
  ctx.cacheStatus = status
  ctx.events.emit('cacheHit', { cacheStatus: status })
}

/** `only-if-cached` with nothing stored: 504, as RFC 9111 §5.2.1.7 says. */
function gatewayTimeout(ctx: Context): void {
  ctx.response = new Response(null, { status: 504, statusText: 'Gateway Timeout' })
  ctx.cacheStatus = 'miss'
}

/** Goes to the network, and stores the answer if the rules allow. */
function fetchAndStore(ctx: Context, run: Run, settings: CacheSettings, slot: Slot): Promise<void> {
  const headers = ctx.request.peekHeaders()
  const requestTime = Date.now()
  return run().then(() => {
    ctx.cacheStatus = 'miss'
    return store(ctx, settings, slot, headers, requestTime)
  })
}

/**
 * Sends a conditional request for a stale (or `no-cache`) entry. A 304 refreshes the stored
 * headers and serves the stored body; an origin failure within `stale-if-error` serves the
 * stale entry; anything else is a new response, stored if allowed.
 */
async function revalidate(
  ctx: Context,
  run: Run,
  settings: CacheSettings,
  slot: Slot,
  entry: StoredResponse,
): Promise<void> {
  const request = ctx.request
  const requestHeaders = request.peekHeaders()
  const etag = storedHeader(entry, 'etag')
  const lastModified = storedHeader(entry, 'last-modified')
  if (etag !== undefined) request.headers.set('if-none-match', etag)
  else if (lastModified !== undefined) request.headers.set('if-modified-since', lastModified)
  const requestTime = Date.now()
  try {
    await run()
  } catch (error) {
    if (!(isOriginFailure(error) && mayServeOnError(entry))) throw error
    return serve(ctx, entry, Date.now(), 'stale')
  }
  const response = ctx.response
  if (response === undefined) return
  if (response.status === 304 && (etag !== undefined || lastModified !== undefined)) {
    await release(response)
    const responseTime = Date.now()
    const merged = mergeHeaders(entry, withDate(response.headers, responseTime))
    const freshness = assess(
      {
        method: request.method,
        status: entry.status,
        headers: new Headers(merged as [string, string][]),
        requestDirectives: slot.directives,
        credentialed: isCredentialed(ctx, requestHeaders),
        requestTime,
        responseTime,
      },
      settings.freshness,
    )
    const updated: StoredResponse = { ...entry, ...freshness, headers: merged, storedAt: responseTime }
    if (ctx.state.credentialScope === slot.scope) {
      if (freshness === undefined) background(settings.store.delete(slot.key))
      else write(settings, slot, updated, responseTime)
    }
    // The cookies the origin just sent belong to this call's answer; none is stored.
    return serve(ctx, updated, responseTime, 'revalidated', response.headers.getSetCookie())
  }
  if (ORIGIN_ERRORS.has(response.status) && mayServeOnError(entry)) {
    await release(response)
    return serve(ctx, entry, Date.now(), 'stale')
  }
  ctx.cacheStatus = 'miss'
  await store(ctx, settings, slot, requestHeaders, requestTime)
}

/** Whether a stale entry may stand in for a failed origin now (`stale-if-error`, not `must-revalidate`). */
function mayServeOnError(entry: StoredResponse): boolean {
  return !entry.mustRevalidate && ageOf(entry, Date.now()) - entry.lifetime < entry.staleIfError
}

/** A failure of the origin or the way to it; an abort or a bad configuration is not one. */
function isOriginFailure(error: unknown): boolean {
  return error instanceof NetworkError || error instanceof TimeoutError || error instanceof RateLimitError
}

/**
 * Stores `ctx.response` if the rules allow, replacing it with a replay of the bytes read. A
 * body over `maxBodyBytes` is read no further than that: the caller gets it as a stream of
 * what was read and the rest, and it is not stored. The write is not waited for. Synchronous
 * (`undefined`) when the response is not to be stored, which is the common case of an API.
 */
function store(
  ctx: Context,
  settings: CacheSettings,
  slot: Slot,
  requestHeaders: Headers,
  requestTime: number,
): Promise<void> | undefined {
  const response = ctx.response
  if (response === undefined || response.bodyUsed) return undefined
  // A scope that appeared while the call ran (an inner middleware that signs the request but
  // declares its credential late) is not the partition the key stands for: not stored.
  if (ctx.state.credentialScope !== slot.scope) return undefined
  const responseTime = Date.now()
  const freshness = assess(
    {
      method: ctx.request.method,
      status: response.status,
      headers: response.headers,
      requestDirectives: slot.directives,
      credentialed: isCredentialed(ctx, requestHeaders),
      requestTime,
      responseTime,
    },
    settings.freshness,
  )
  if (freshness === undefined) return undefined
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > settings.maxBodyBytes) return undefined
  return storeBody(ctx, settings, slot, response, freshness, requestHeaders, responseTime)
}

/** Reads a storable response's body, replays it to the caller, and writes it to the store. */
async function storeBody(
  ctx: Context,
  settings: CacheSettings,
  slot: Slot,
  response: Response,
  freshness: Freshness,
  requestHeaders: Headers,
  responseTime: number,
): Promise<void> {
  const request = ctx.request
  // The answering URL as stored and replayed: an API key an auth middleware put in its query stays out.
  const url = resourceOf(response.url ? new URL(response.url) : request.peekUrl())
  const headers = withDate(response.headers, responseTime)
  const init = { status: response.status, statusText: response.statusText, headers }
  let body: Uint8Array
  if (request.method === 'HEAD') {
    body = new Uint8Array(0)
    await release(response)
  } else {
    const read = await readAtMost(response, settings.maxBodyBytes, {
      timeout: attemptBudget(ctx),
      signal: request.signal,
      request: () => summarize(request.method, request.peekUrl()),
    })
    if (read.rest !== undefined) {
      ctx.response = new StreamedResponse(read.rest, init, url)
      return
    }
    body = read.bytes
  }
  ctx.response = new ReplayedResponse(body, { ...init, url })
  // Only a body that was already in memory (from a middleware inside) can be larger here.
  if (body.byteLength > settings.maxBodyBytes) return
  const entry: StoredResponse = {
    ...freshness,
    status: response.status,
    statusText: response.statusText,
    url,
    headers: headerPairs(headers),
    body,
    vary: varyValues(response.headers.get('vary'), requestHeaders),
    storedAt: responseTime,
  }
  write(settings, slot, entry, responseTime)
}

/**
 * Writes `entry` into its slot's record, without waiting: the caller's response does not wait
 * for the store. A Keyv store's failures go to `onStoreError` (see `GuardedStore`).
 */
function write(settings: CacheSettings, slot: Slot, entry: StoredResponse, now: number): void {
  const record = withVariant(slot.record, entry)
  background(settings.store.set(slot.key, record, retentionMs(record, now)))
}

/** Lets a store operation run on; the guarded stores report their own failures, nothing is left unhandled. */
function background(operation: Promise<void>): void {
  operation.catch(() => undefined)
}

function isCredentialed(ctx: Context, headers: Headers): boolean {
  return ctx.state.credentialScope !== undefined || headers.has('authorization')
}

/**
 * After a successful unsafe request, drops what is stored for its URL and for the same-origin
 * URLs its `Location` and `Content-Location` name (RFC 9111 §4.4), in the call's credential
 * partition and in the one without credentials.
 */
async function invalidate(ctx: Context, settings: CacheSettings, url: URL): Promise<void> {
  const response = ctx.response
  if (response === undefined || response.status < 200 || response.status >= 400) return
  const resources = new Set([settings.key ? settings.key(ctx.request) : resourceOf(url)])
  for (const name of ['location', 'content-location']) {
    const value = response.headers.get(name)
    if (value === null) continue
    const target = URL.parse(value, url)
    if (target?.origin === url.origin) resources.add(resourceOf(target))
  }
  const partitions = new Set([partitionOf(ctx, url), '|'])
  const deletions: Promise<void>[] = []
  for (const resource of resources) {
    for (const partition of partitions) {
      for (const method of settings.methods)
        deletions.push(settings.store.delete(cacheKey(ctx, method, resource, settings.hashKeys, partition)))
    }
  }
  await Promise.all(deletions)
}

/** Releases a response's connection when its body is not wanted. */
async function release(response: Response | undefined): Promise<void> {
  if (response === undefined || response.bodyUsed) return
  await response.body?.cancel().catch(() => undefined)
}
