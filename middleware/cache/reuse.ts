import { type Directives, deltaSeconds, parseDirectives } from './directives.ts'
import type { StoredResponse } from './entry.ts'
import { isPragmaNoCache } from './freshness.ts'

// `Pragma: no-cache` on a request without `Cache-Control` (RFC 9111 §5.4).
const PRAGMA_NO_CACHE: Directives = new Map([['no-cache', true]])

/** The request's `Cache-Control` directives; `Pragma: no-cache` counts when it has none. */
export function requestDirectives(headers: Headers): Directives {
  const field = headers.get('cache-control')
  if (field === null) return isPragmaNoCache(headers.get('pragma')) ? PRAGMA_NO_CACHE : parseDirectives(null)
  return parseDirectives(field)
}

/** `only-if-cached`, from the call's mode or the request's directive (RFC 9111 §5.2.1.7). */
export function onlyIfCached(directives: Directives, mode: RequestCache): boolean {
  return mode === 'only-if-cached' || directives.has('only-if-cached')
}

/**
 * How a stored entry answers the request without the origin: `'hit'` when it is fresh and
 * nothing asks for a validation, `'stale'` when it is not fresh but the call insists on a
 * stored answer (`force-cache`, `only-if-cached`); `undefined` when the origin must be asked.
 */
export function reuse(
  entry: StoredResponse,
  directives: Directives,
  mode: RequestCache,
  age: number,
): 'hit' | 'stale' | undefined {
  const fresh = entry.lifetime > age
  if (mode === 'force-cache' || onlyIfCached(directives, mode)) return fresh ? 'hit' : 'stale'
  return fresh && !mustValidate(entry, directives, mode, age) ? 'hit' : undefined
}

/** Whether the entry must be validated before use, whatever its freshness. */
export function mustValidate(entry: StoredResponse, directives: Directives, mode: RequestCache, age: number): boolean {
  if (directives.has('no-cache') || entry.noCache || !acceptsMinFresh(directives, entry, age)) return true
  // A reload (the no-cache mode, which fetch sends as max-age=0, or any request max-age) does
  // not revalidate a fresh immutable response (RFC 8246 §2, as Firefox does); the no-cache
  // request directive, the explicit signal, still does.
  const reload = mode === 'no-cache' || !acceptsMaxAge(directives, age)
  return reload && !(entry.immutable === true && entry.lifetime > age)
}

/** The request's `max-stale` (RFC 9111 §5.2.1.2): a bare `max-stale` accepts any staleness. */
export function acceptsStale(directives: Directives, staleness: number): boolean {
  if (!directives.has('max-stale')) return false
  const limit = deltaSeconds(directives, 'max-stale')
  return limit === null || staleness <= (limit ?? 0)
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
