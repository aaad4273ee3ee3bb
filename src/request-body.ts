import { isJsonType, mediaType } from './body.ts'
import type { RequestOptions } from './context.ts'
import { ConfigError } from './errors.ts'

/** The kind of content type a body implies by itself. */
export type ImpliedType = 'json' | 'urlencoded' | 'multipart'

/** A request body ready for the transport, and the content type it implies, if any. */
export interface RequestBody {
  readonly body: BodyInit | undefined
  /** Set for JSON; URL-encoded and multipart forms get theirs from `fetch`. */
  readonly contentType?: string
  /**
   * The kind of content type the body implies (a `json` option, a form, a `FormData` or
   * `URLSearchParams` body): a client's default `Content-Type` that does not fit it must not
   * label it (see `fitsBody`).
   */
  readonly implied?: ImpliedType
}

/** The content type a raw body implies by its class: a `FormData` or a `URLSearchParams`. */
export function impliedType(body: unknown): ImpliedType | undefined {
  if (body instanceof FormData) return 'multipart'
  if (body instanceof URLSearchParams) return 'urlencoded'
  return undefined
}

/**
 * Whether a `Content-Type` can label a body of the implied kind: any JSON type (a client's
 * `application/vnd.api+json` default stays) for JSON, the same media type for a URL-encoded
 * form, and nothing for multipart, whose type must carry the boundary `fetch` generates.
 */
export function fitsBody(implied: ImpliedType, contentType: string): boolean {
  if (implied === 'json') return isJsonType(contentType)
  if (implied === 'urlencoded') return mediaType(contentType) === 'application/x-www-form-urlencoded'
  return false
}

/**
 * Removes from `headers` a `Content-Type` (a client default) that does not fit the body's
 * implied type, so that the body's own type (or, for forms, the one `fetch` sets) wins.
 */
export function dropUnfitContentType(headers: Headers, implied: ImpliedType | undefined): void {
  if (implied === undefined) return
  const contentType = headers.get('content-type')
  if (contentType !== null && !fitsBody(implied, contentType)) headers.delete('content-type')
}

const NO_BODY: RequestBody = { body: undefined }
const JSON_TYPE = { contentType: 'application/json', implied: 'json' } as const

/**
 * Serialises a call's `json`, `form` or `body` option (at most one of them). GET and HEAD
 * cannot carry a body.
 */
export function requestBody(method: string, options: RequestOptions): RequestBody {
  if (options.json === undefined && options.form === undefined && options.body === undefined) return NO_BODY
  const given = (['json', 'form', 'body'] as const).filter((key) => options[key] !== undefined)
  if (given.length > 1) throw new ConfigError(`give only one of json, form and body; got ${given.join(' and ')}`)
  if (method === 'GET' || method === 'HEAD') throw new ConfigError(`a ${method} request cannot have a body`)
  if (options.json !== undefined) return { body: jsonText(options.json), ...JSON_TYPE }
  const form = options.form
  if (form !== undefined) {
    if (form instanceof FormData) return { body: form, implied: 'multipart' }
    if (form instanceof URLSearchParams) return { body: form, implied: 'urlencoded' }
    if (typeof form !== 'object' || form === null) {
      throw new ConfigError('form must be a record, a URLSearchParams or a FormData')
    }
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(form)) {
      if (value === undefined) continue
      if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') {
        // String() would send "[object Object]" or the function's source.
        throw new ConfigError(`form field '${key}' must be a string, number, boolean or bigint, got ${typeOf(value)}`)
      }
      params.append(key, String(value))
    }
    return { body: params, implied: 'urlencoded' }
  }
  const implied = impliedType(options.body)
  return implied === undefined ? { body: options.body } : { body: options.body, implied }
}

/**
 * The JSON text of a `json` option. `JSON.stringify` throws a bare `TypeError` for a BigInt
 * or a circular reference and returns `undefined` for a function, a symbol or `undefined`;
 * each is a `ConfigError` saying what is wrong, without quoting the value (it may be secret).
 */
function jsonText(value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : ''
    const why = /BigInt/i.test(reason)
      ? 'a BigInt has no JSON form (send it as a string or a number)'
      : /circular/i.test(reason)
        ? 'it holds a circular reference'
        : 'serialising it threw (a toJSON() method or a getter)'
    throw new ConfigError(`json could not be serialised: ${why}`, { cause })
  }
  if (text === undefined) throw new ConfigError(`json must be a JSON-serialisable value, got ${typeOf(value)}`)
  return text
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}
