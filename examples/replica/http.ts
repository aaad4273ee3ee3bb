import { createHash, randomBytes } from 'node:crypto'
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http'

/** A request as the replica's handlers see it: parsed once, body already read. */
export interface Incoming {
  /** Upper-case method (`GET`, `POST`, …). */
  readonly method: string
  /** The request URL, absolute against the `Host` the client sent. */
  readonly url: URL
  /** Lower-cased header names; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>
  /** The request body as UTF-8 text (empty when none). */
  readonly body: string
  /** The client's IP address (GitHub names it in the anonymous rate-limit message). */
  readonly remoteAddress: string
}

/** What a handler answers: written to the socket by `writeReply`. */
export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  /** Response body text; empty for a 304. */
  readonly body: string
}

/** Reads the whole request body as UTF-8 text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Node's request headers with array values (repeated headers) joined as HTTP folds them. */
export function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue
    flat[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return flat
}

/** A JSON reply with `content-type: application/json; charset=utf-8` and extra `headers`. */
export function jsonReply(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  }
}

/**
 * Writes a reply. The `Date` header is stamped from `Date.now()` (Node's own would come from
 * the real clock, which tests that fake `Date` would see disagree with everything else).
 */
export function writeReply(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { date: httpDate(Date.now()), ...reply.headers })
  res.end(reply.status === 304 ? undefined : reply.body)
}

/** The reason phrase of a status (`503` → `Service Unavailable`). */
export function reasonPhrase(status: number): string {
  return STATUS_CODES[status] ?? 'Error'
}

/** An IMF-fixdate (`Tue, 15 Nov 1994 08:12:31 GMT`) for epoch milliseconds. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString()
}

/** ISO 8601 without milliseconds, as GitHub writes timestamps (`2011-01-26T19:01:12Z`). */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}

/** Epoch seconds, rounded up: the form of `x-ratelimit-reset`. */
export function epochSecondsCeil(ms: number): number {
  return Math.ceil(ms / 1000)
}

/** A request id in GitHub's `x-github-request-id` form (`C3A8:2F3B:1A2B3C:1B2C3D:65F0A1B2`). */
export function requestId(): string {
  const hex = randomBytes(14).toString('hex').toUpperCase()
  return `${hex.slice(0, 4)}:${hex.slice(4, 8)}:${hex.slice(8, 14)}:${hex.slice(14, 20)}:${hex.slice(20, 28)}`
}

/** A weak validator over the body text: `W/"<sha1 hex>"`. */
export function weakEtag(body: string): string {
  return `W/"${createHash('sha1').update(body).digest('hex')}"`
}

/**
 * Whether an `If-None-Match` value matches `etag` under the weak comparison (RFC 9110 §13.1.2):
 * `*` matches anything; otherwise any listed tag whose opaque part equals the etag's.
 */
export function ifNoneMatchMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '')
  const wanted = opaque(etag)
  return header.split(',').some((tag) => opaque(tag) === wanted)
}

/**
 * Whether an `If-Modified-Since` date is not older than `lastModifiedMs` (compared at whole
 * seconds, as HTTP dates carry no more). An unparseable date never matches.
 */
export function notModifiedSince(header: string, lastModifiedMs: number): boolean {
  const since = Date.parse(header)
  if (Number.isNaN(since)) return false
  return Math.floor(lastModifiedMs / 1000) <= Math.floor(since / 1000)
}
