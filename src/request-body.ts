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
  if (options.json !== undefined) {
    const text = JSON.stringify(options.json)
    if (text === undefined) throw new ConfigError('json must be a JSON-serialisable value')
    return { body: text, contentType: 'application/json' }
  }
  const form = options.form
  if (form !== undefined) {
    if (form instanceof FormData || form instanceof URLSearchParams) return { body: form }
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(form)) if (value !== undefined) params.append(key, String(value))
    return { body: params }
  }
  return { body: options.body }
}
