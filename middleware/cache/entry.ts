import { ReplayedResponse } from '../../src/kit.ts'
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

/**
 * The headers of a response as they are stored: pairs with lower-case names, without the
 * connection's own fields and without `Set-Cookie`. A cookie is the origin's answer to one
 * exchange, often a session: a shared cache must not hand it to anyone else (RFC 9111 §7.3),
 * and a store on disk or in Redis must not hold it in clear, so no cache of ply stores it.
 */
export function headerPairs(headers: Headers): [string, string][] {
  const skipped = new Set(CONNECTION_FIELDS)
  for (const name of headers.get('connection')?.split(',') ?? []) skipped.add(name.trim().toLowerCase())
  skipped.add('set-cookie')
  const pairs: [string, string][] = []
  for (const [name, value] of headers) if (!skipped.has(name)) pairs.push([name, value])
  return pairs
}

/**
 * `headers` with a `Date` field: as they are when they have one, else a copy with `receivedAt`
 * as the `Date`, as a recipient with a clock adds it (RFC 9110 §6.6.1). Without it, a stored
 * response's age would run from another moment: a 304 without `Date` would leave the old
 * `Date` in place and the refreshed entry stale at once.
 */
export function withDate(headers: Headers, receivedAt: number): Headers {
  if (headers.has('date')) return headers
  const dated = new Headers(headers)
  dated.set('date', new Date(receivedAt).toUTCString())
  return dated
}

/**
 * The stored headers updated by a 304's (RFC 9111 §3.2): each field the 304 carries replaces
 * the stored one, and fields the stored response lacked are added; the fields that describe
 * the body are kept as stored. The stored `Age` is dropped: it was the age of the old answer,
 * and the validated response is as old as the 304 (whose own `Age`, if any, is kept).
 */
export function mergeHeaders(stored: StoredResponse, update: Headers): (readonly [string, string])[] {
  const incoming = headerPairs(update).filter(([name]) => !BODY_FIELDS.has(name))
  const replaced = new Set(incoming.map(([name]) => name))
  replaced.add('age')
  return [...stored.headers.filter(([name]) => !replaced.has(name)), ...incoming]
}

/**
 * Replays a stored response as a real `Response`, its `Age` set to the current age. It has no
 * `Set-Cookie` (none is stored; one from an older entry is dropped) but the `cookies` given,
 * those of the 304 that just revalidated it.
 */
export function replay(entry: StoredResponse, now: number, cookies: readonly string[] = []): Response {
  const headers = new Headers()
  for (const [name, value] of entry.headers) if (name !== 'age' && name !== 'set-cookie') headers.append(name, value)
  headers.set('age', String(Math.floor(ageOf(entry, now))))
  for (const cookie of cookies) headers.append('set-cookie', cookie)
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
