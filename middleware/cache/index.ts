import { ConfigError, type Context, type Middleware, type Next } from '../../src/index.ts'
import { detachContext, isConditional } from '../../src/kit.ts'
import { type Directives, deltaSeconds, parseDirectives } from './directives.ts'
import { ageOf, type StoredResponse } from './entry.ts'
import { isPragmaNoCache } from './freshness.ts'
import { invalidate } from './invalidate.ts'
import { cacheKey, resourceOf } from './key.ts'
import { type CacheOptions, resolveOptions } from './options.ts'
import { revalidate } from './revalidate.ts'
import { gatewayTimeout, release, serve } from './serve.ts'
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
// `Pragma: no-cache` on a request without `Cache-Control` (RFC 9111 §5.4).
const PRAGMA_NO_CACHE: Directives = new Map([['no-cache', true]])

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
  let closing: Promise<void> | undefined

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
    // A reload (the no-cache mode, which fetch sends as max-age=0, or any request max-age) does
    // not revalidate a fresh immutable response (RFC 8246 §2, as Firefox does); the no-cache
    // request directive, the explicit signal, still does.
    const reload = mode === 'no-cache' || !acceptsMaxAge(directives, age)
    const validate =
      directives.has('no-cache') ||
      entry.noCache ||
      !acceptsMinFresh(directives, entry, age) ||
      (reload && !(fresh && entry.immutable === true))
    if (!validate && fresh) return serve(ctx, entry, now, 'hit')
    if (!validate && !entry.mustRevalidate) {
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

  // Not async, and the memory store read without a promise: a miss on the way to the network
  // costs no extra turn of the microtask queue, and the call holds no frame while it waits.
  const middleware = (ctx: Context, next: Next): Promise<void> => {
    if (closing !== undefined) return next()
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

/** The request's `Cache-Control` directives; `Pragma: no-cache` counts when it has none. */
function requestDirectives(headers: Headers): Directives {
  const field = headers.get('cache-control')
  if (field === null) return isPragmaNoCache(headers.get('pragma')) ? PRAGMA_NO_CACHE : parseDirectives(null)
  return parseDirectives(field)
}

/** The request's `max-age` (RFC 9111 §5.2.1.1). */
function acceptsMaxAge(directives: Directives, age: number): boolean {
  const maxAge = deltaSeconds(directives, 'max-age')
  return maxAge === undefined || age <= (maxAge ?? 0)
}

/** The request's `min-fresh` (RFC 9111 §5.2.1.3). */
function acceptsMinFresh(directives: Directives, entry: StoredResponse, age: number): boolean {
  const minFresh = deltaSeconds(directives, 'min-fresh')
  return minFresh === undefined || entry.lifetime - age >= (minFresh ?? 0)
}

/** The request's `max-stale` (RFC 9111 §5.2.1.2): a bare `max-stale` accepts any staleness. */
function acceptsStale(directives: Directives, staleness: number): boolean {
  if (!directives.has('max-stale')) return false
  const limit = deltaSeconds(directives, 'max-stale')
  return limit === null || staleness <= (limit ?? 0)
}
