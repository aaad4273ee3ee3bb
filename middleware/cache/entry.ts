import { ReplayedResponse } from '../../src/index.ts'
import type { Freshness } from './freshness.ts'

/** One stored response: everything needed to replay it exactly and to judge its freshness. */
export interface StoredResponse extends Freshness {
  readonly status: number
  readonly statusText: string
  readonly url: string
  /** Every response header as received, in order (repeated fields stay repeated). */
  readonly headers: readonly (readonly [string, string])[]
  /** The exact body bytes. */
  readonly body: Uint8Array
  /** The request's values of the fields the response's `Vary` names (see `varyValues`). */
  readonly vary: Readonly<Record<string, string | null>> | undefined
  /** When it arrived (or was last revalidated), in `Date.now()` milliseconds. */
  readonly storedAt: number
}

/** What one key holds: the stored variants of one resource, newest first. */
export interface CacheRecord {
  readonly v: 1
  readonly variants: readonly StoredResponse[]
}

/** Variants kept per resource: enough for content negotiation, bounded against a hostile `Vary`. */
export const MAX_VARIANTS = 8
// How long a stale response with a validator is kept for a conditional request.
const KEEP_FOR_REVALIDATION_SECONDS = 86_400
// Fields a 304 must not change: they describe the stored body (RFC 9111 §3.2).
const BODY_FIELDS = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'content-range'])

/** The response's current age in seconds (RFC 9111 §4.2.3). */
export function ageOf(entry: StoredResponse, now: number): number {
  return entry.initialAge + Math.max(0, now - entry.storedAt) / 1000
}

/** The value of one stored header (repeated fields joined), or `undefined`. */
export function storedHeader(entry: StoredResponse, name: string): string | undefined {
  let value: string | undefined
  for (const [field, fieldValue] of entry.headers) {
    if (field === name) value = value === undefined ? fieldValue : `${value}, ${fieldValue}`
  }
  return value
}

/** Whether the entry carries a validator, so that it can be revalidated once stale. */
export function hasValidator(entry: StoredResponse): boolean {
  return entry.headers.some(([name]) => name === 'etag' || name === 'last-modified')
}

/** How long the store should keep a record, in milliseconds: past that nothing can use it. */
export function retentionMs(record: CacheRecord, now: number): number {
  let seconds = 0
  for (const entry of record.variants) {
    const left = entry.lifetime - ageOf(entry, now)
    const stale = Math.max(entry.staleWhileRevalidate, entry.staleIfError)
    const keep = hasValidator(entry) ? KEEP_FOR_REVALIDATION_SECONDS : stale
    seconds = Math.max(seconds, left + Math.max(stale, keep))
  }
  return Math.max(1, Math.ceil(seconds * 1000))
}

// Fields about one connection, never stored (RFC 9111 §3.1), with those `Connection` names.
const CONNECTION_FIELDS = ['connection', 'proxy-connection', 'keep-alive', 'te', 'transfer-encoding', 'upgrade']

/** The headers of a response, as pairs with lower-case names, without the connection's own fields. */
export function headerPairs(headers: Headers): [string, string][] {
  const skipped = new Set(CONNECTION_FIELDS)
  for (const name of headers.get('connection')?.split(',') ?? []) skipped.add(name.trim().toLowerCase())
  // A Headers object joins Set-Cookie lines with commas, which would corrupt them.
  skipped.add('set-cookie')
  const pairs: [string, string][] = []
  for (const [name, value] of headers) if (!skipped.has(name)) pairs.push([name, value])
  for (const cookie of headers.getSetCookie()) pairs.push(['set-cookie', cookie])
  return pairs
}

/**
 * The stored headers updated by a 304's (RFC 9111 §3.2): each field the 304 carries replaces
 * the stored one, and fields the stored response lacked are added; the fields that describe
 * the body are kept as stored.
 */
export function mergeHeaders(stored: StoredResponse, update: Headers): (readonly [string, string])[] {
  const incoming = headerPairs(update).filter(([name]) => !BODY_FIELDS.has(name))
  const replaced = new Set(incoming.map(([name]) => name))
  return [...stored.headers.filter(([name]) => !replaced.has(name)), ...incoming]
}

/** Replays a stored response as a real `Response`, its `Age` set to the current age. */
export function replay(entry: StoredResponse, now: number): Response {
  const headers = new Headers()
  for (const [name, value] of entry.headers) if (name !== 'age') headers.append(name, value)
  headers.set('age', String(Math.floor(ageOf(entry, now))))
  return new ReplayedResponse(entry.body, {
    status: entry.status,
    statusText: entry.statusText,
    headers,
    url: entry.url,
  })
}

/** Puts `entry` first among `record`'s variants, replacing the one it matches. */
export function withVariant(record: CacheRecord | undefined, entry: StoredResponse): CacheRecord {
  const others = (record?.variants ?? []).filter((variant) => !sameVary(variant.vary, entry.vary))
  return { v: 1, variants: [entry, ...others].slice(0, MAX_VARIANTS) }
}

function sameVary(a: StoredResponse['vary'], b: StoredResponse['vary']): boolean {
  if (a === undefined || b === undefined) return a === b
  const names = Object.keys(a)
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name])
}
