import { ConfigError, type Context, type Middleware, type Next } from '../../src/index.ts'
import { detachContext, isConditional } from '../../src/kit.ts'
import { ageOf, type StoredResponse } from './entry.ts'
import { anonymousKey, cacheKey, resourceOf } from './key.ts'
import { type CacheOptions, resolveOptions } from './options.ts'
import { afterUnsafe } from './post.ts'
import { hasPrecondition, rangeOf, rangeResponse, sliceable } from './range.ts'
import { acceptsStale, mustValidate, onlyIfCached, requestDirectives, reuse } from './reuse.ts'
import { revalidate } from './revalidate.ts'
import { answerWith, gatewayTimeout, release, serve } from './serve.ts'
import { MemoryStore } from './store.ts'
import { selectVariant } from './vary.ts'
import { fetchAndStore, type Slot } from './write.ts'

export type { CacheWarning } from './guard.ts'
export type { CacheKeyFunction } from './key.ts'
export type { CacheOptions, KeyvLike } from './options.ts'
export type { CacheHitEvent } from './serve.ts'
export { MemoryStore, type MemoryStoreOptions } from './store.ts'

/** The `cache()` middleware, with a way to wait for the work it does in the background. */
export interface CacheMiddleware extends Middleware {
  /**
   * Resolves once the background work started so far has settled: stale-while-revalidate
   * refreshes, and store writes (which a call never waits for). For a script that closes its
   * store (`keyv.disconnect()`) or exits at once after its last call, and for tests.
   */
  flush(): Promise<void>
  /**
   * Ends the cache (what `client.close()` calls): a call that reaches it afterwards goes to
   * the network without it, the background work lands (`flush()`), and a store ply opened for
   * it (`redisConnection().cacheStore()`) is disconnected; a store you built is left to you.
   * Idempotent.
   */
  close(): Promise<void>
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
 *   same-origin `Location` and `Content-Location`. A POST answer with explicit freshness whose
 *   `Content-Location` is its own URL is then stored for later GETs (RFC 9110 §9.3.3).
 * - A GET for one byte range is answered from a stored complete response (206, or 416 when
 *   no byte of it exists, with `If-Range` honoured); several ranges go to the origin.
 * - Entries are partitioned by credential: the key holds the `ctx.state.credentialScope` an
 *   auth middleware declares (in its `prepare`, so the cache sees it even when auth sits
 *   inside) and keyed hashes of credentials the request carries itself. No store holds a
 *   secret in clear (a store outside the process gets hashed keys, which show no URL either),
 *   and `Set-Cookie` is never stored (a hit has none). A request whose only credential is a
 *   `Cookie` may be answered by a fresh response stored without credentials.
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
  let closing: Promise<void> | undefined

  /** The rest of a call once its record is read: answer from it, revalidate it, or go to the network. */
  const answer = (ctx: Context, next: Next, slot: Slot, mode: RequestCache): void | Promise<void> => {
    const { key, record, directives, range } = slot
    const entry = mode === 'reload' ? undefined : selectVariant(record, ctx.request.peekHeaders())
    if (entry === undefined) {
      if (slot.anonymous !== undefined && mode !== 'reload') return answerAnonymously(ctx, next, slot, mode)
      if (onlyIfCached(directives, mode)) return gatewayTimeout(ctx)
      // The origin's answer to a range is not stored.
      return range === undefined ? fetchAndStore(ctx, () => next(), settings, slot) : next()
    }
    const now = Date.now()
    const age = ageOf(entry, now)
    const status = reuse(entry, directives, mode, age)
    if (status !== undefined) return respond(ctx, next, slot, mode, entry, now, status)
    // A range is answered only from an entry usable as it is; the origin answers the others.
    if (range !== undefined) return next()
    if (!mustValidate(entry, directives, mode, age) && !entry.mustRevalidate) {
      const staleness = age - entry.lifetime
      if (acceptsStale(directives, staleness)) return serve(ctx, entry, now, 'stale')
      if (staleness < entry.staleWhileRevalidate) {
        if (!refreshing.has(key)) {
          const { credentialScope } = ctx.state
          const detached = detachContext(ctx, credentialScope === undefined ? {} : { credentialScope })
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

  /**
   * A request whose only credential is its Cookie, with nothing in its own partition: a
   * response stored without credentials answers it if it can do so without the origin.
   * Otherwise the call goes on in its own partition (a miss, stored there).
   */
  const answerAnonymously = async (ctx: Context, next: Next, slot: Slot, mode: RequestCache): Promise<void> => {
    const own: Slot = { ...slot, anonymous: undefined }
    const record = await settings.store.get(slot.anonymous as string)
    const entry = selectVariant(record, ctx.request.peekHeaders())
    if (entry === undefined) return answer(ctx, next, own, mode)
    const now = Date.now()
    const status = reuse(entry, slot.directives, mode, ageOf(entry, now))
    return status === undefined ? answer(ctx, next, own, mode) : respond(ctx, next, own, mode, entry, now, status)
  }

  /** Serves a usable entry: whole, or the range the request asks for. */
  const respond = (
    ctx: Context,
    next: Next,
    slot: Slot,
    mode: RequestCache,
    entry: StoredResponse,
    now: number,
    status: 'hit' | 'stale',
  ): void | Promise<void> => {
    if (slot.range === undefined) return serve(ctx, entry, now, status)
    if (sliceable(entry)) {
      const part = rangeResponse(entry, now, slot.range, ctx.request.peekHeaders().get('if-range'))
      return part === undefined ? serve(ctx, entry, now, status) : answerWith(ctx, part, status)
    }
    // Ranges the cache cannot cut are the origin's, unless the call forbids the network: then
    // the whole response (a server may ignore Range, RFC 9110 §14.2).
    return onlyIfCached(slot.directives, mode) ? serve(ctx, entry, now, status) : next()
  }

  // Not async, and the memory store read without a promise: a miss on the way to the network
  // costs no extra turn of the microtask queue, and the call holds no frame while it waits.
  const middleware = (ctx: Context, next: Next): Promise<void> => {
    if (closing !== undefined) return next()
    const request = ctx.request
    const method = request.method
    if (!settings.methods.has(method)) {
      if (SAFE_METHODS.has(method)) return next()
      const sent = { headers: request.peekHeaders(), scope: ctx.state.credentialScope, time: Date.now() }
      return next().then(() => afterUnsafe(ctx, settings, sent))
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
    if (mode === 'no-store' || directives.has('no-store')) return next()
    // The caller's own conditional request is theirs to handle: not answered, not stored. So is
    // a range the cache does not cut (several, another unit) and one with another precondition.
    const range = headers.has('range') ? rangeOf(method, headers) : undefined
    if (range === null || (range === undefined ? isConditional(headers) : hasPrecondition(headers))) return next()
    const scope = ctx.state.credentialScope
    let key: string
    let anonymous: string | undefined
    try {
      const resource = settings.key ? settings.key(request) : resourceOf(request.peekUrl())
      key = cacheKey(ctx, method, resource, settings.hashKeys)
      if (headers.has('cookie')) anonymous = anonymousKey(ctx, method, resource, settings.hashKeys)
    } catch (error) {
      return Promise.reject(error)
    }
    // Read for reload too: it must not answer, but the other Vary variants are written back with the new one.
    const { store } = settings
    if (store instanceof MemoryStore) {
      const slot: Slot = { key, record: store.peek(key), scope, directives, anonymous, range }
      return Promise.resolve(answer(ctx, next, slot, mode))
    }
    return store
      .get(key)
      .then((record) => answer(ctx, next, { key, record, scope, directives, anonymous, range }, mode))
  }

  const flush = async (): Promise<void> => {
    while (refreshing.size > 0) await Promise.all(refreshing.values())
    await settings.store.flush?.()
  }
  const close = async (): Promise<void> => {
    await flush()
    await settings.closeStore?.()
  }
  return Object.assign(middleware, {
    phase: 'cache' as const,
    displayName: 'cache()',
    flush,
    close: (): Promise<void> => {
      closing ??= close()
      return closing
    },
  })
}
