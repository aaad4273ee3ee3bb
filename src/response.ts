import type { StandardSchemaV1 } from '@standard-schema/spec'
import { type BodyParseOptions, fromBytes, parseBody, validate } from './body.ts'
import { readBytes } from './body-read.ts'
import type { CacheStatus, Context } from './context.ts'
import { attemptBudget } from './deadline.ts'
import { HttpError } from './errors.ts'
import { redactUrlText } from './redact.ts'
import { summarize } from './request-summary.ts'
import { redactText } from './secret-registry.ts'

/** What a call resolves to: the response's metadata and its parsed body. */
export interface ApiResponse<T = unknown> {
  /** The HTTP status code. */
  readonly status: number
  /** `true` for a 2xx status. */
  readonly ok: boolean
  /** The response headers. */
  readonly headers: Headers
  /** The parsed body: JSON as a value, text as a string, other types as bytes, empty as `undefined`. */
  readonly data: T
  /**
   * The URL that answered (after redirects), REDACTED so that it is safe to log: the values of
   * secret query parameters (`access_token`, `api_key`, `token`, … and the names added with
   * `redactQueryParam`), the user name and password, and every value registered with
   * `registerSecret` read `[REDACTED]`. It is therefore not always the URL that was sent, and
   * must not be used to build a further request (`paginate()` gives its `next` function the
   * real URL for that).
   */
  readonly url: string
  /** Time from the call to the parsed body, in milliseconds, waits and retries included. */
  readonly elapsedMs: number
  /** Transport calls made for this call (0 when a cache answered). */
  readonly attempts: number
  /** `true` when the body came from a cache (`hit`, `stale` or `revalidated`). */
  readonly fromCache: boolean
  /** What the cache did. */
  readonly cacheStatus: CacheStatus
}

/**
 * Parses a response's body for `ctx`'s call. A 2xx body is parsed strictly (malformed JSON is a
 * `ParseError`) and checked against the call's `schema`; any other body is parsed leniently
 * (a body that is not the JSON it claims to be stays text, an unreadable one is `undefined`),
 * because for an error the status is the news, not the body.
 */
export function parseResponse(
  ctx: Context,
  response: Response,
  parseJson?: (text: string) => unknown,
): Promise<unknown> {
  const request = ctx.request
  const summary = () => summarize(request.method, request.peekUrl())
  let timeout: number | false
  try {
    timeout = attemptBudget(ctx)
  } catch (error) {
    return Promise.reject(error)
  }
  const options: BodyParseOptions = { timeout, signal: request.signal, request: summary, method: request.method }
  if (parseJson) options.parseJson = parseJson
  if (!response.ok) return lenientBody(response, options)
  const parsed = parseBody(response, options)
  const schema: StandardSchemaV1 | undefined = request.options.schema
  if (schema === undefined) return parsed
  return parsed.then((data) => validate(schema, data, summary(), response.headers.get('content-type')))
}

async function lenientBody(response: Response, options: BodyParseOptions): Promise<unknown> {
  let bytes: Uint8Array
  try {
    bytes = await readBytes(response, options)
  } catch {
    // The status is already known; a body that cannot be read does not hide it.
    return undefined
  }
  return fromBytes(bytes, response.headers.get('content-type'), { ...options, lenient: true })
}

/** The `HttpError` for a non-2xx response whose body is already parsed. */
export function httpErrorOf(ctx: Context, response: Response, data: unknown): HttpError {
  const init = { status: response.status, statusText: response.statusText, headers: response.headers, data }
  return new HttpError(init, { request: summarize(ctx.request.method, ctx.request.peekUrl()) })
}

/** Builds the `ApiResponse` a call resolves to. */
export function apiResponseOf<T>(ctx: Context, response: Response, data: T, startedAt: number): ApiResponse<T> {
  const { cacheStatus } = ctx
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    data,
    url: publicUrl(response.url || ctx.request.peekUrl().href),
    elapsedMs: performance.now() - startedAt,
    attempts: ctx.attempts,
    fromCache: cacheStatus === 'hit' || cacheStatus === 'stale' || cacheStatus === 'revalidated',
    cacheStatus,
  }
}

/**
 * A URL as a caller may see and log it: secrets masked. Most URLs have no query, userinfo or
 * fragment, and are not parsed; registered secret values are masked in them all the same
 * (a tenant key in a path segment), which costs nothing while none is registered.
 */
function publicUrl(url: string): string {
  return url.includes('?') || url.includes('@') || url.includes('#') ? redactUrlText(url) : redactText(url)
}
