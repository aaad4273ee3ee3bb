import CachePolicy from 'http-cache-semantics'
import { parseHttpDate } from '../shared/http-date.ts'
import { type Directives, deltaSeconds, formatDirectives, parseDirectives } from './directives.ts'

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
// freshness, which RFC 9111 §3 allows for any final status the cache understands.
const UNDERSTOOD = new Set([200, 203, 204, 300, 301, 302, 303, 307, 308, 404, 405, 410, 414, 501])
// No partial content (ranges are not supported) and no 304 (it is a revalidation's answer).
const NEVER_STORED = new Set([206, 304])
const EPOCH = 'Thu, 01 Jan 1970 00:00:00 GMT'

/**
 * Judges whether a response may be stored (RFC 9111 §3) and for how long it is fresh
 * (§4.2), with `http-cache-semantics` for the rules, fed headers cleaned of the cases it gets
 * wrong: directive names in any case, a non-HTTP-date `Expires` (which means already
 * expired), a non-integer `Age` (invalid, ignored), statuses outside its fixed list. `Vary: *`
 * and `no-store` are never stored. `undefined` when the response must not be stored.
 */
export function assess(arrival: Arrival, settings: FreshnessSettings): Freshness | undefined {
  const { status, headers, requestDirectives } = arrival
  if (status < 200 || NEVER_STORED.has(status)) return undefined
  const directives = parseDirectives(headers.get('cache-control'))
  if (directives.has('no-store') || requestDirectives.has('no-store')) return undefined
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
    { shared: settings.shared, cacheHeuristic: 0.1 },
  )
  // The fallback lifetime only replaces a lifetime: whether the response may be stored at all is
  // still the rules' (a shared cache stores an authenticated response only with public,
  // must-revalidate or s-maxage, RFC 9111 §3.5). The library sees a fallback's status as 200.
  if (!policy.storable()) return undefined

  const noCache = directives.has('no-cache') || pragmaNoCache(headers)
  let lifetime = noCache ? 0 : policy.maxAge()
  if (fallback && !noCache) lifetime = settings.ttl as number
  return {
    lifetime,
    initialAge: initialAge(arrival),
    staleWhileRevalidate: Math.max(
      deltaSeconds(directives, 'stale-while-revalidate') ?? 0,
      settings.staleWhileRevalidate,
    ),
    staleIfError: Math.max(deltaSeconds(directives, 'stale-if-error') ?? 0, settings.staleIfError),
    noCache,
    mustRevalidate: directives.has('must-revalidate') || (settings.shared && directives.has('proxy-revalidate')),
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

/**
 * The corrected initial age (RFC 9111 §4.2.3): the larger of the apparent age (arrival minus
 * `Date`) and the `Age` field plus the time the response took. A non-integer `Age` is invalid
 * and ignored (§5.1).
 */
function initialAge(arrival: Arrival): number {
  const { headers, requestTime, responseTime } = arrival
  const ageField = headers.get('age')?.trim()
  const ageValue = ageField !== undefined && /^\d+$/.test(ageField) ? Number(ageField) : 0
  const date = parseHttpDate(headers.get('date')) ?? responseTime
  const apparentAge = Math.max(0, responseTime - date) / 1000
  const responseDelay = Math.max(0, responseTime - requestTime) / 1000
  return Math.max(apparentAge, ageValue + responseDelay)
}

/** The request as http-cache-semantics wants it; it only needs to know about credentials. */
function policyRequest(arrival: Arrival): CachePolicy.Request {
  const headers: Record<string, string> = {}
  if (arrival.credentialed) headers.authorization = 'credential'
  return { method: arrival.method === 'HEAD' ? 'HEAD' : 'GET', url: '/', headers }
}

/** The response headers as http-cache-semantics should see them. */
function policyHeaders(headers: Headers, directives: Directives): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [name, value] of headers) record[name] = value
  // Directive names lower-cased; an invalid max-age makes the response stale (§4.2.1).
  const normalized = new Map(directives)
  for (const name of ['max-age', 's-maxage']) {
    const seconds = deltaSeconds(directives, name)
    if (seconds !== undefined) normalized.set(name, String(seconds ?? 0))
  }
  if (headers.has('cache-control')) record['cache-control'] = formatDirectives(normalized)
  // An Expires that is not an HTTP-date means "already expired" (§5.3).
  if (headers.has('expires') && parseHttpDate(headers.get('expires')) === undefined) record.expires = EPOCH
  for (const name of ['date', 'last-modified']) {
    if (headers.has(name) && parseHttpDate(headers.get(name)) === undefined) delete record[name]
  }
  // Ages are worked out here (initialAge); a lenient reading of Age must not leak in.
  delete record.age
  return record
}
