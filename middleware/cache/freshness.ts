import CachePolicy from 'http-cache-semantics'
import { type Directives, deltaSeconds, formatDirectives, parseDirectives } from './directives.ts'
import { ageField, initialAge, lifetimeOf } from './lifetime.ts'

/** How long a stored response may be used, worked out when it is stored (or revalidated). */
export interface Freshness {
  /** The freshness lifetime, in seconds (RFC 9111 §4.2.1). */
  readonly lifetime: number
  /** The age it had on arrival, in seconds (the corrected initial age of §4.2.3). */
  readonly initialAge: number
  /** How long past its lifetime it may be served while a refresh runs, in seconds. */
  readonly staleWhileRevalidate: number
  /** How long past its lifetime it may be served when the origin fails, in seconds. */
  readonly staleIfError: number
  /** `no-cache`: stored, but revalidated before every use. */
  readonly noCache: boolean
  /** `must-revalidate` (or `proxy-revalidate` in a shared cache): never served stale. */
  readonly mustRevalidate: boolean
  /**
   * `immutable` (RFC 8246): while fresh, served without a request even to a reload-like call
   * (`cache: 'no-cache'`, a request `max-age`). Absent from records stored by older versions.
   */
  readonly immutable?: boolean | undefined
}

/** The cache's settings that change how a response is judged. */
export interface FreshnessSettings {
  /** A shared cache (RFC 9111 §1): `private` responses and `s-maxage` are treated as such. */
  readonly shared: boolean
  /** The fallback lifetime, in seconds, of a 2xx GET response that states none. */
  readonly ttl: number | undefined
  /** Extra stale-while-revalidate and stale-if-error windows, in seconds. */
  readonly staleWhileRevalidate: number
  readonly staleIfError: number
}

/** One response as it arrived, with what is needed to judge it. */
export interface Arrival {
  readonly method: string
  readonly status: number
  readonly headers: Headers
  /** The request's `Cache-Control` directives. */
  readonly requestDirectives: Directives
  /** Whether the request carried a credential (an `Authorization`, or an auth middleware's). */
  readonly credentialed: boolean
  /** When the request was sent and when the response arrived, in `Date.now()` ms. */
  readonly requestTime: number
  readonly responseTime: number
}

// Statuses http-cache-semantics 4.3 stores; it refuses every other one, even with explicit
// freshness, which RFC 9111 §3 allows for any final status the cache understands. They are
// also the statuses whose caching rules ply implements, for `must-understand`.
const UNDERSTOOD = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501])
// No partial content (ranges are served from complete responses only) and no 304 (it is a
// revalidation's answer).
const NEVER_STORED = new Set([206, 304])

/**
 * Judges whether a response may be stored (RFC 9111 §3) and for how long it is fresh
 * (§4.2). `http-cache-semantics` answers whether it may be stored, fed headers cleaned of the
 * cases it gets wrong (directive names in any case, statuses outside its fixed list); the
 * lifetime and the ages are ply's own (`lifetime.ts`), so that every date is read by ply's
 * HTTP-date parser. `Vary: *` and `no-store` are never stored, except that `must-understand`
 * with a status ply understands overrides `no-store` (§5.2.2.3). `undefined` when the
 * response must not be stored.
 */
export function assess(arrival: Arrival, settings: FreshnessSettings): Freshness | undefined {
  const { status, headers, requestDirectives } = arrival
  if (status < 200 || NEVER_STORED.has(status)) return undefined
  const directives = parseDirectives(headers.get('cache-control'))
  if (requestDirectives.has('no-store')) return undefined
  // must-understand: only a cache that implements the status's rules may store the response,
  // and such a cache ignores the no-store sent along for caches that do not (§5.2.2.3).
  const mustUnderstand = directives.has('must-understand')
  if (mustUnderstand ? !UNDERSTOOD.has(status) : directives.has('no-store')) return undefined
  if (settings.shared && directives.has('private')) return undefined
  if (
    headers
      .get('vary')
      ?.split(',')
      .some((field) => field.trim() === '*')
  )
    return undefined

  const explicit =
    directives.has('max-age') || headers.has('expires') || (settings.shared && directives.has('s-maxage'))
  const fallback = settings.ttl !== undefined && !explicit && arrival.method === 'GET' && status < 300
  const marked = explicit || fallback || directives.has('public') || (!settings.shared && directives.has('private'))
  const policy = new CachePolicy(
    policyRequest(arrival),
    { status: UNDERSTOOD.has(status) || !marked ? status : 200, headers: policyHeaders(headers, directives) },
    { shared: settings.shared },
  )
  // The fallback lifetime only replaces a lifetime: whether the response may be stored at all is
  // still the rules' (a shared cache stores an authenticated response only with public,
  // must-revalidate or s-maxage, RFC 9111 §3.5). The library sees a fallback's status as 200.
  if (!policy.storable()) return undefined

  const noCache = directives.has('no-cache') || pragmaNoCache(headers)
  const age = ageField(headers)
  // An age nobody can read (null) cannot be shown to be within any lifetime: stale.
  const lifetime =
    noCache || age === null ? 0 : fallback ? (settings.ttl as number) : lifetimeOf(arrival, directives, settings.shared)
  return {
    lifetime,
    initialAge: initialAge(arrival, age ?? undefined),
    staleWhileRevalidate: Math.max(
      deltaSeconds(directives, 'stale-while-revalidate') ?? 0,
      settings.staleWhileRevalidate,
    ),
    staleIfError: Math.max(deltaSeconds(directives, 'stale-if-error') ?? 0, settings.staleIfError),
    noCache,
    mustRevalidate: directives.has('must-revalidate') || (settings.shared && directives.has('proxy-revalidate')),
    immutable: directives.has('immutable'),
  }
}

/** `Pragma: no-cache`, which counts as `Cache-Control: no-cache` only when that field is absent. */
export function pragmaNoCache(headers: Headers): boolean {
  return !headers.has('cache-control') && isPragmaNoCache(headers.get('pragma'))
}

/** Whether a `Pragma` field value holds `no-cache`. */
export function isPragmaNoCache(pragma: string | null): boolean {
  return pragma !== null && /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(pragma)
}

/** The request as http-cache-semantics wants it; it only needs to know about credentials. */
function policyRequest(arrival: Arrival): CachePolicy.Request {
  const headers: Record<string, string> = {}
  if (arrival.credentialed) headers.authorization = 'credential'
  return { method: arrival.method === 'HEAD' ? 'HEAD' : 'GET', url: '/', headers }
}

/**
 * The response headers as http-cache-semantics should see them for `storable()`, the one
 * question ply asks it: the normalised `Cache-Control` (lower-case names; an invalid max-age
 * as 0; no `no-store` under `must-understand`, which ply has already judged) and whether there
 * is an `Expires` (`storable()` reads only whether it is there; its value is ply's to read).
 */
function policyHeaders(headers: Headers, directives: Directives): Record<string, string> {
  const record: Record<string, string> = {}
  const expires = headers.get('expires')
  // An empty Expires is there all the same (and means already expired, which ply works out).
  if (expires !== null) record.expires = expires || '0'
  if (!headers.has('cache-control')) return record
  const normalized = new Map(directives)
  for (const name of ['max-age', 's-maxage']) {
    const seconds = deltaSeconds(directives, name)
    if (seconds !== undefined) normalized.set(name, String(seconds ?? 0))
  }
  if (directives.has('must-understand')) normalized.delete('no-store')
  record['cache-control'] = formatDirectives(normalized)
  return record
}
