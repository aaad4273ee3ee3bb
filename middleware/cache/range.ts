import { ReplayedResponse } from '../../src/kit.ts'
import { parseHttpDate } from '../shared/http-date.ts'
import { ageOf, type StoredResponse, storedHeader } from './entry.ts'

/**
 * One byte range a request asks for (RFC 9110 §14.1.2): from `first` to `last` (to the end
 * when `last` is absent), or the last `suffix` bytes.
 */
export type ByteRange = { readonly first: number; readonly last: number | undefined } | { readonly suffix: number }

// Fields of the stored response that a part replaces or never carries.
const NOT_COPIED = new Set(['age', 'set-cookie', 'content-length', 'content-range'])

/**
 * The one byte range of a GET request's `Range` field, or `null` when the cache leaves the
 * request to the origin: another method or unit, several ranges (a `multipart/byteranges`
 * answer is the origin's to make, as browsers' caches leave it too), or an invalid range
 * (which the origin ignores, RFC 9110 §14.2).
 */
export function rangeOf(method: string, headers: Headers): ByteRange | null {
  const value = headers.get('range')
  if (method !== 'GET' || value === null) return null
  const equals = value.indexOf('=')
  // The range unit is case-insensitive (RFC 9110 §14.1).
  if (equals === -1 || value.slice(0, equals).trim().toLowerCase() !== 'bytes') return null
  const specs = value
    .slice(equals + 1)
    .split(',')
    .map((spec) => spec.trim())
    .filter((spec) => spec !== '')
  const match = specs.length === 1 ? /^(\d*)-(\d*)$/.exec(specs[0] as string) : null
  if (match === null) return null
  const [, first = '', last = ''] = match
  if (first === '') return last === '' ? null : { suffix: Number(last) }
  const range = { first: Number(first), last: last === '' ? undefined : Number(last) }
  return range.last !== undefined && range.last < range.first ? null : range
}

/** Whether a request holds a precondition other than `If-Range`: those stay the caller's. */
export function hasPrecondition(headers: Headers): boolean {
  return (
    headers.has('if-none-match') ||
    headers.has('if-modified-since') ||
    headers.has('if-match') ||
    headers.has('if-unmodified-since')
  )
}

/**
 * Whether ranges can be cut from the entry: a complete 200 with a body stored as the origin
 * framed it. A body with a `Content-Encoding` is stored decoded (fetch decodes it), while
 * ranges count the encoded bytes: the origin answers those.
 */
export function sliceable(entry: StoredResponse): boolean {
  const coding = storedHeader(entry, 'content-encoding')?.trim().toLowerCase()
  return entry.status === 200 && entry.body.byteLength > 0 && (coding === undefined || coding === 'identity')
}

/**
 * A range request's answer from a complete stored response: a 206 with the bytes asked for
 * and their `Content-Range`, a 416 whose `Content-Range` gives the length (`bytes *` slash
 * the length) when none of them exist (RFC 9110 §15.5.17), or `undefined`, the whole stored
 * response, when `If-Range` does not match it (RFC 9110 §13.1.5).
 */
export function rangeResponse(
  entry: StoredResponse,
  now: number,
  range: ByteRange,
  ifRange: string | null,
): Response | undefined {
  if (ifRange !== null && !matchesIfRange(entry, ifRange)) return undefined
  const length = entry.body.byteLength
  const span = spanOf(range, length)
  if (span === undefined) {
    const headers = { 'content-range': `bytes */${length}`, 'content-length': '0' }
    return new ReplayedResponse(null, { status: 416, statusText: 'Range Not Satisfiable', headers, url: entry.url })
  }
  const [first, last] = span
  const headers = new Headers()
  for (const [name, value] of entry.headers) if (!NOT_COPIED.has(name)) headers.append(name, value)
  headers.set('age', String(Math.floor(ageOf(entry, now))))
  headers.set('content-range', `bytes ${first}-${last}/${length}`)
  headers.set('content-length', String(last - first + 1))
  const body = entry.body.subarray(first, last + 1)
  return new ReplayedResponse(body, { status: 206, statusText: 'Partial Content', headers, url: entry.url })
}

/** The first and last byte positions a range selects, or `undefined` when it is unsatisfiable (RFC 9110 §14.1.1). */
function spanOf(range: ByteRange, length: number): readonly [number, number] | undefined {
  if ('suffix' in range) return range.suffix === 0 ? undefined : [Math.max(0, length - range.suffix), length - 1]
  if (range.first >= length) return undefined
  return [range.first, Math.min(range.last ?? length - 1, length - 1)]
}

/**
 * `If-Range` (RFC 9110 §13.1.5): an entity-tag matches a strong `ETag` equal to it; a date
 * matches a `Last-Modified` equal to it that is strong, at least a second before the stored
 * `Date` (§8.8.2.2). A weak validator never matches.
 */
function matchesIfRange(entry: StoredResponse, ifRange: string): boolean {
  const value = ifRange.trim()
  if (value.startsWith('"')) return storedHeader(entry, 'etag')?.trim() === value
  const date = parseHttpDate(value)
  const lastModified = parseHttpDate(storedHeader(entry, 'last-modified'))
  const sent = parseHttpDate(storedHeader(entry, 'date'))
  return date !== undefined && date === lastModified && sent !== undefined && sent - date >= 1000
}
