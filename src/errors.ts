import type { StandardSchemaV1 } from '@standard-schema/spec'
import { redactHeaders, redactMessage } from './redact.ts'
import { redactData } from './secret-registry.ts'

/**
 * The error hierarchy. Every error ply throws is a `PlyError`; each subclass names one way a
 * call can fail. Errors carry the request as `{ method, url }` with secrets already redacted,
 * never the live `Headers` or body, so that logging or serialising an error cannot leak a
 * credential.
 */

/** The request an error is about: its method and its URL with secrets masked. */
export interface RequestSummary {
  readonly method: string
  /** The URL with credentials and secret query parameters replaced by `[REDACTED]`. */
  readonly url: string
}

/** Options shared by every ply error. */
export interface PlyErrorOptions {
  /** The underlying reason, kept on the standard `cause` property. */
  readonly cause?: unknown
  /** The request the error is about, already redacted. */
  readonly request?: RequestSummary | undefined
}

/**
 * The longest message an error keeps. Messages quote the request's URL, and a call with a
 * huge query (100,000 keys make a 1.4 MB URL) would otherwise carry it whole into every log
 * line; the full URL stays in `error.request`.
 */
const MAX_MESSAGE_LENGTH = 4_096

function bounded(message: string): string {
  if (message.length <= MAX_MESSAGE_LENGTH) return message
  return `${message.slice(0, MAX_MESSAGE_LENGTH)}… (${message.length - MAX_MESSAGE_LENGTH} more characters)`
}

/** Base class of every error ply throws; `instanceof PlyError` catches them all. */
export class PlyError extends Error {
  override name = 'PlyError'
  /** The request (method and redacted URL) the error is about, when there is one. */
  readonly request: RequestSummary | undefined
  /** When a retrying middleware made several attempts: what each earlier attempt failed with. */
  declare attemptCauses?: readonly unknown[]

  constructor(message: string, options: PlyErrorOptions = {}) {
    // Every message passes the redaction helper: a secret that reached one by any path is
    // masked (before it is shortened, so that no part of a secret is left).
    // The URLs a message quotes lose their user info and secret parameters too (a transport
    // failure quotes the URL fetch was given).
    super(
      bounded(redactMessage(message)),
      options.cause === undefined ? undefined : { cause: safeCause(options.cause) },
    )
    this.request = options.request
  }

  /** A plain, secret-free view, so `JSON.stringify(error)` says something useful. */
  toJSON(): Record<string, unknown> {
    const { stack: _stack, cause: _cause, ...own } = this as unknown as Record<string, unknown>
    return { name: this.name, message: this.message, ...own }
  }
}

// How deep a cause chain is copied; anything deeper is dropped rather than kept unredacted.
const MAX_CAUSE_DEPTH = 8

/**
 * A cause safe to keep on an error. Errors from fetch, the URL parser or `JSON.parse` quote
 * what they were given (a URL with user info, the body that did not parse), and
 * `util.inspect`, loggers and `error.cause.message` show a cause chain whole. Such an error
 * is replaced by a redacted copy (message, stack, text fields and its own causes through
 * `redactMessage`) that keeps its class, its name and its system fields (`code`, `errno`,
 * `syscall`). An error with nothing to redact is kept as it is (an abort reason stays the
 * caller's own object), and so is a `PlyError`, which is safe already.
 */
function safeCause(cause: unknown, depth = 0): unknown {
  if (typeof cause === 'string') return redactMessage(cause)
  if (!(cause instanceof Error) || cause instanceof PlyError) return cause
  if (depth >= MAX_CAUSE_DEPTH) return undefined
  const message = redactMessage(cause.message)
  const stack = cause.stack === undefined ? undefined : redactMessage(cause.stack)
  const inner = cause.cause === undefined ? undefined : safeCause(cause.cause, depth + 1)
  const { errors } = cause as { errors?: unknown }
  const safeErrors = Array.isArray(errors) ? errors.map((error: unknown) => safeCause(error, depth + 1)) : undefined
  let changed =
    message !== cause.message ||
    stack !== cause.stack ||
    inner !== cause.cause ||
    safeErrors?.some((error, i) => error !== (errors as unknown[])[i]) === true
  const fields: [string, unknown][] = []
  for (const [key, value] of Object.entries(cause)) {
    if (key === 'cause' || key === 'errors') continue
    const safe = typeof value === 'string' ? redactMessage(value) : safeCause(value, depth + 1)
    if (safe !== value) changed = true
    fields.push([key, safe])
  }
  if (!changed) return cause
  const Kind =
    cause instanceof TypeError
      ? TypeError
      : cause instanceof SyntaxError
        ? SyntaxError
        : cause instanceof RangeError
          ? RangeError
          : Error
  const copy = new Kind(message)
  const hidden = (key: string, value: unknown): void => {
    Object.defineProperty(copy, key, { value, writable: true, configurable: true, enumerable: false })
  }
  if (copy.name !== cause.name) hidden('name', cause.name)
  hidden('stack', stack)
  if (inner !== undefined) hidden('cause', inner)
  if (safeErrors !== undefined) hidden('errors', safeErrors)
  for (const [key, value] of fields) (copy as unknown as Record<string, unknown>)[key] = value
  return copy
}

/**
 * A non-2xx final response, thrown at the client's edge unless `throwHttpErrors` is off.
 * `data` is `unknown` after `instanceof HttpError`; `isHttpError<T>(error)` types it.
 */
export class HttpError<TBody = unknown> extends PlyError {
  override name = 'HttpError'
  /** The HTTP status code. */
  readonly status: number
  /**
   * The status text the server sent, if any, as sent. A server may echo a credential in it:
   * `JSON.stringify(error)` and `util.inspect(error)` show it redacted, and it is not
   * enumerable, so that loggers which copy an error's own fields (pino's) do not pick it up.
   */
  declare readonly statusText: string
  /** The response headers. */
  readonly headers: Headers
  /**
   * The response body, parsed by content type (JSON, text), or `undefined` when empty. It is
   * the server's body as sent; `JSON.stringify(error)` and `util.inspect(error)` mask any
   * registered secret in it. Not enumerable, like `statusText`.
   *
   * `unknown` unless typed: TypeScript narrows `instanceof HttpError` to `HttpError<any>`, so
   * an `any` (or `unknown`) type argument reads as `unknown` here, and `e.data.x` does not
   * compile until the caller says what the body is.
   */
  declare readonly data: unknown extends TBody ? unknown : TBody

  constructor(
    init: { status: number; statusText: string; headers: Headers; data: TBody },
    options: PlyErrorOptions = {},
  ) {
    const where = options.request ? ` (${options.request.method} ${options.request.url})` : ''
    const text = init.statusText ? ` ${init.statusText}` : ''
    super(`HTTP ${init.status}${text}${where}`, options)
    this.status = init.status
    // Server text, kept raw for the program but off the enumerable fields (see above).
    Object.defineProperty(this, 'statusText', { value: init.statusText, enumerable: false })
    this.headers = init.headers
    Object.defineProperty(this, 'data', { value: init.data, enumerable: false })
  }

  override toJSON(): Record<string, unknown> {
    // Cookies a server sets are credentials; the serialised form names them without values.
    // A server may echo a credential in its status text or error body: both are masked too.
    return {
      ...super.toJSON(),
      statusText: redactMessage(this.statusText),
      headers: redactHeaders(this.headers),
      data: redactData(this.data),
    }
  }

  /** `util.inspect` shows the headers and the body redacted too (a `Set-Cookie` is a credential). */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    const { name: _name, message: _message, ...fields } = this.toJSON()
    const cause = this.cause === undefined ? {} : { cause: this.cause }
    return `${this.stack ?? this.message} ${inspect({ ...fields, ...cause }, options)}`
  }
}

/** The connection failed: refused, reset, DNS failure, socket hang-up, TLS failure. */
export class NetworkError extends PlyError {
  override name = 'NetworkError'
  /** The system error code when there is one (`ECONNREFUSED`, `ECONNRESET`, `ENOTFOUND`, …). */
  readonly code: string | undefined

  constructor(message: string, options: PlyErrorOptions & { code?: string | undefined } = {}) {
    super(message, options)
    this.code = options.code
  }
}

/** An attempt took longer than its `timeout` (for the response, or for reading its body). */
export class TimeoutError extends PlyError {
  override name = 'TimeoutError'
  /** The timeout that was exceeded, in milliseconds. */
  readonly timeoutMs: number

  constructor(message: string, options: PlyErrorOptions & { timeoutMs: number }) {
    super(message, options)
    this.timeoutMs = options.timeoutMs
  }
}

/** The caller aborted the request through its `AbortSignal`; `cause` is the signal's reason. */
export class AbortError extends PlyError {
  override name = 'AbortError'
}

/** A body could not be turned into data: malformed JSON, or a schema that rejected it. */
export class ParseError extends PlyError {
  override name = 'ParseError'
  /** The response's `Content-Type`, or `undefined` when it sent none. */
  readonly contentType: string | undefined
  /** The character offset where malformed JSON went wrong, when known. */
  readonly position: number | undefined
  /** The issues a Standard Schema reported, when validation failed. */
  readonly issues: readonly StandardSchemaV1.Issue[] | undefined

  constructor(
    message: string,
    options: PlyErrorOptions & {
      contentType?: string | undefined
      position?: number | undefined
      issues?: readonly StandardSchemaV1.Issue[] | undefined
    } = {},
  ) {
    super(message, options)
    this.contentType = options.contentType
    this.position = options.position
    this.issues = options.issues
  }
}

/** A rate limit stopped the request: a full queue, or a wait longer than the caller allows. */
export class RateLimitError extends PlyError {
  override name = 'RateLimitError'
  /** When the limit resets, if known. */
  readonly resetAt: Date | undefined

  constructor(message: string, options: PlyErrorOptions & { resetAt?: Date | undefined } = {}) {
    super(message, options)
    this.resetAt = options.resetAt
  }
}

/**
 * Authentication failed: a token endpoint refused (its OAuth2 `error` and
 * `error_description` are kept), or the API rejected the credentials.
 */
export class AuthError extends PlyError {
  override name = 'AuthError'
  /** The OAuth2 error code (`invalid_client`, `invalid_grant`, …), when the server sent one. */
  readonly error: string | undefined
  /** The server's human-readable explanation, when it sent one. */
  readonly errorDescription: string | undefined
  /** The HTTP status of the refusal, when there was a response. */
  readonly status: number | undefined

  constructor(
    message: string,
    options: PlyErrorOptions & {
      error?: string | undefined
      errorDescription?: string | undefined
      status?: number | undefined
    } = {},
  ) {
    super(message, options)
    this.error = options.error === undefined ? undefined : redactMessage(options.error)
    this.errorDescription = options.errorDescription === undefined ? undefined : redactMessage(options.errorDescription)
    this.status = options.status
  }
}

/** Why a redirect was not followed. */
export type RedirectFailure = 'too-many' | 'downgrade' | 'bad-location' | 'body-not-replayable'

/** A redirect ply would not follow: too many of them, an https → http downgrade, a bad `Location`. */
export class RedirectError extends PlyError {
  override name = 'RedirectError'
  /** What was wrong. */
  readonly reason: RedirectFailure

  constructor(message: string, options: PlyErrorOptions & { reason: RedirectFailure }) {
    super(message, options)
    this.reason = options.reason
  }
}

/** Invalid configuration or arguments, reported before any request is sent. */
export class ConfigError extends PlyError {
  override name = 'ConfigError'
}
