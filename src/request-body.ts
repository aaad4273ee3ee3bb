import type { RequestOptions } from './context.ts'
import { ConfigError } from './errors.ts'

/** A request body ready for the transport, and the content type it implies, if any. */
export interface RequestBody {
  readonly body: BodyInit | undefined
  /** Set for JSON; URL-encoded and multipart forms get theirs from `fetch`. */
  readonly contentType?: string
}

const NO_BODY: RequestBody = { body: undefined }

/**
 * Serialises a call's `json`, `form` or `body` option (at most one of them). GET and HEAD
 * cannot carry a body.
 */
export function requestBody(method: string, options: RequestOptions): RequestBody {
  if (options.json === undefined && options.form === undefined && options.body === undefined) return NO_BODY
  const given = (['json', 'form', 'body'] as const).filter((key) => options[key] !== undefined)
  if (given.length > 1) throw new ConfigError(`give only one of json, form and body; got ${given.join(' and ')}`)
  if (method === 'GET' || method === 'HEAD') throw new ConfigError(`a ${method} request cannot have a body`)
  if (options.json !== undefined) return { body: jsonText(options.json), contentType: 'application/json' }
  const form = options.form
  if (form !== undefined) {
    if (form instanceof FormData || form instanceof URLSearchParams) return { body: form }
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
    return { body: params }
  }
  return { body: options.body }
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
