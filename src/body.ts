import type { StandardSchemaV1 } from '@standard-schema/spec'
import { aboutCall, type BodyReadOptions, readBytes } from './body-read.ts'
import { ParseError, type RequestSummary } from './errors.ts'
import { jsonErrorOffset } from './json-position.ts'
import { isSharedBytes } from './replay.ts'

/** How a body is turned into data: how it is read, and how JSON is parsed. */
export interface BodyParseOptions extends BodyReadOptions {
  /** Parses JSON text; `JSON.parse` by default (swap in a reviver or a BigInt-aware parser). */
  parseJson?: (text: string) => unknown
}

const utf8 = new TextDecoder()
const jsonType = /^application\/(?:[\w.+-]+\+)?json$/
// JSON text sequences (RFC 7464) are not one JSON value: they are handed over as text.
const textType =
  /^(?:text\/|application\/(?:[\w.+-]+\+)?xml$|application\/(?:javascript|x-www-form-urlencoded|ecmascript|json-seq)$)/

/** The media type of a `Content-Type` value, lower-case, without parameters. */
export function mediaType(contentType: string | null): string | undefined {
  if (!contentType) return undefined
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}

/** How a body of some content type is turned into data. */
type BodyKind = 'json' | 'text' | 'bytes'

// An API sends few distinct Content-Type values, so each is classified once. Bounded, so
// that a server inventing values cannot grow it without limit.
const kinds = new Map<string, BodyKind>()
const MAX_KINDS = 64

function kindOf(contentType: string | null): BodyKind {
  if (contentType === null) return 'bytes'
  let kind = kinds.get(contentType)
  if (kind === undefined) {
    const type = mediaType(contentType) ?? ''
    kind = jsonType.test(type) ? 'json' : textType.test(type) ? 'text' : 'bytes'
    if (kinds.size >= MAX_KINDS) kinds.clear()
    kinds.set(contentType, kind)
  }
  return kind
}

/** Whether a `Content-Type` is JSON (`application/json` or any `+json` type). */
export function isJsonType(contentType: string | null): boolean {
  return kindOf(contentType) === 'json'
}

/**
 * Reads a response's body into data by its content type: JSON (`application/json` and any
 * `+json` type) is parsed, text types become a string, anything else a `Uint8Array`. An empty
 * body, a 204, 205 or 304, and the answer to a HEAD give `undefined`. Malformed JSON is a
 * `ParseError` naming the call (with `options.request`), the content type and the position.
 */
export function parseBody(response: Response, options: BodyParseOptions = {}): Promise<unknown> {
  const { status } = response
  if (status === 204 || status === 205 || status === 304 || options.method === 'HEAD') {
    return discard(response)
  }
  return readBytes(response, options).then((bytes) => fromBytes(bytes, response.headers.get('content-type'), options))
}

/** Cancels a body nobody will read, which frees its connection; resolves to `undefined`. */
async function discard(response: Response): Promise<undefined> {
  await response.body?.cancel().catch(() => undefined)
  return undefined
}

/**
 * Turns a body's bytes into data by content type, as `parseBody` does. With `lenient`, JSON
 * that does not parse stays text instead of being a `ParseError` (for error responses, whose
 * status matters more than their body).
 */
export function fromBytes(
  bytes: Uint8Array,
  contentType: string | null,
  options: BodyParseOptions & { lenient?: boolean } = {},
): unknown {
  if (bytes.byteLength === 0) return undefined
  const kind = kindOf(contentType)
  if (kind === 'json') {
    const text = decode(bytes, contentType)
    const parseJson = options.parseJson ?? JSON.parse
    try {
      return parseJson(text)
    } catch (cause) {
      if (options.lenient) return text
      throw jsonError(cause, text, contentType, options.request?.(), parseJson === JSON.parse)
    }
  }
  if (kind === 'text') return decode(bytes, contentType)
  // A replayed body is shared with a cache entry: the caller gets its own copy to keep.
  return isSharedBytes(bytes) ? bytes.slice() : bytes
}

/** Validates `data` against a Standard Schema; a failure is a `ParseError` listing the issues. */
export async function validate(
  schema: StandardSchemaV1,
  data: unknown,
  request?: RequestSummary,
  contentType?: string | null,
): Promise<unknown> {
  const result = await schema['~standard'].validate(data)
  if (result.issues === undefined) return result.value
  const described = result.issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((part) => (typeof part === 'object' ? part.key : part)).join('.')
      return path ? `${path}: ${issue.message}` : issue.message
    })
    .join('; ')
  const more = result.issues.length > 3 ? ` (and ${result.issues.length - 3} more)` : ''
  return Promise.reject(
    new ParseError(aboutCall(request, `the response body does not match the schema: ${described}${more}`), {
      request,
      contentType: contentType ?? undefined,
      issues: result.issues,
    }),
  )
}

function decode(bytes: Uint8Array, contentType: string | null): string {
  if (contentType === null || !contentType.includes(';')) return utf8.decode(bytes)
  const charset = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] : undefined
  if (charset === undefined || /^utf-?8$/i.test(charset)) return utf8.decode(bytes)
  try {
    return new TextDecoder(charset).decode(bytes)
  } catch {
    return utf8.decode(bytes)
  }
}

function jsonError(
  cause: unknown,
  text: string,
  contentType: string | null,
  request: RequestSummary | undefined,
  native: boolean,
): ParseError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  // V8 names the offset for some errors ("… in JSON at position 7") but not for an
  // unexpected token ("Unexpected token '<', "<html>…" is not valid JSON"): the scanner finds
  // it then. A custom parser's message may count in text of its own, so its offset is only
  // a fallback for text the scanner finds valid.
  const reported = /position (\d+)/.exec(reason)?.[1]
  const position =
    native && reported !== undefined
      ? Number(reported)
      : (jsonErrorOffset(text) ?? (reported === undefined ? undefined : Number(reported)))
  const at = position === undefined ? '' : ` at position ${position}`
  // The parser's own message quotes the body, which is not ours to repeat: the cause is the
  // parser's error without that quote (and PlyError redacts what is left).
  const message = `the response body is not valid JSON (Content-Type: ${contentType})${at}`
  return new ParseError(aboutCall(request, message), {
    cause: withoutQuotedBody(cause),
    request,
    contentType: contentType ?? undefined,
    position,
  })
}

// V8's `JSON.parse` ends some messages with the start of the text: `Unexpected token 'o',
// "{"t":tok-sec"... is not valid JSON`. It is cut at a length of its own, which may split a
// secret where no redaction can recognise it any more, so the quote is dropped whole.
const quotedBody = /"[\s\S]*"(?:\.\.\.)? is not valid JSON$/

function withoutQuotedBody(cause: unknown): unknown {
  if (!(cause instanceof SyntaxError) || !quotedBody.test(cause.message)) return cause
  return new SyntaxError(cause.message.replace(quotedBody, 'the text is not valid JSON'))
}
