import { parseHttpDate } from '../shared/http-date.ts'
import { type Directives, deltaSeconds } from './directives.ts'

/** What a response's freshness is worked out from. */
export interface Timed {
  readonly headers: Headers
  /** When the request was sent and when the response arrived, in `Date.now()` ms. */
  readonly requestTime: number
  readonly responseTime: number
}

// A response marked immutable without max-age is fresh for at least a day, as browsers and
// http-cache-semantics have it.
const IMMUTABLE_MIN_SECONDS = 86_400
// Heuristic freshness: this share of the time since Last-Modified (RFC 9111 §4.2.2).
const HEURISTIC_SHARE = 0.1

/**
 * The freshness lifetime in seconds (RFC 9111 §4.2.1): `s-maxage` (shared caches), `max-age`,
 * `Expires` minus `Date`, else 10 % of the time since `Last-Modified` (§4.2.2). Every date is
 * read with ply's HTTP-date parser, never `Date.parse` (which reads `Thursday, 18-Aug-50` as
 * 1950); an `Expires` that is not an HTTP-date means already expired (§5.3).
 */
export function lifetimeOf(response: Timed, directives: Directives, shared: boolean): number {
  const { headers } = response
  // Kept from http-cache-semantics: a shared cache does not reuse a response that sets a cookie
  // unless it is marked public (the cookie hints at a personal answer).
  if (shared && headers.has('set-cookie') && !directives.has('public') && !directives.has('immutable')) return 0
  if (shared) {
    const sMaxAge = deltaSeconds(directives, 's-maxage')
    if (sMaxAge !== undefined) return sMaxAge ?? 0
  }
  const maxAge = deltaSeconds(directives, 'max-age')
  // An invalid max-age (null) makes the response stale (§4.2.1).
  if (maxAge !== undefined) return maxAge ?? 0
  const floor = directives.has('immutable') ? IMMUTABLE_MIN_SECONDS : 0
  const date = parseHttpDate(headers.get('date')) ?? response.responseTime
  if (headers.has('expires')) {
    const expires = parseHttpDate(headers.get('expires'))
    if (expires === undefined || expires < date) return 0
    return Math.max(floor, (expires - date) / 1000)
  }
  const lastModified = parseHttpDate(headers.get('last-modified'))
  if (lastModified !== undefined && date > lastModified) {
    return Math.max(floor, ((date - lastModified) / 1000) * HEURISTIC_SHARE)
  }
  return floor
}

/**
 * The `Age` field's value in seconds (RFC 9111 §5.1): the first member of a list counts (`Age:
 * 7200, 0` is 7200, and so are two lines `7200` and `0`). `undefined` when there is none, or
 * when a single value is not a non-negative integer (§5.1 asks a cache to ignore it). `null`
 * when the first member of a list is not a number (`Age: old, 0`): the list shows that more
 * than one cache stamped the response, so it has been stored for a time nobody can read; such
 * a response is treated as stale rather than as new.
 */
export function ageField(headers: Headers): number | null | undefined {
  const field = headers.get('age')
  if (field === null) return undefined
  const comma = field.indexOf(',')
  const first = (comma === -1 ? field : field.slice(0, comma)).trim()
  if (/^\d+$/.test(first)) return Number(first)
  return comma === -1 ? undefined : null
}

/**
 * The corrected initial age in seconds (RFC 9111 §4.2.3): the larger of the apparent age
 * (arrival minus `Date`) and the `Age` value plus the time the response took.
 */
export function initialAge(response: Timed, age: number | undefined): number {
  const { headers, requestTime, responseTime } = response
  const date = parseHttpDate(headers.get('date')) ?? responseTime
  const apparentAge = Math.max(0, responseTime - date) / 1000
  const responseDelay = Math.max(0, responseTime - requestTime) / 1000
  return Math.max(apparentAge, (age ?? 0) + responseDelay)
}
