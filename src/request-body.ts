import type { RequestOptions } from './context.ts'
import { ConfigError } from './errors.ts'

/** A request body ready for the transport. */
export type RequestBody = BodyInit | undefined

/**
 * Serialises a call's `json`, `form` or `body` option (at most one of them), setting
 * `Content-Type` for JSON unless the caller set one. URL-encoded and multipart forms get
 * theirs from `fetch`. GET and HEAD cannot carry a body.
 */
export function requestBody(method: string, options: RequestOptions, headers: Headers): RequestBody {
  const given = (['json', 'form', 'body'] as const).filter((key) => options[key] !== undefined)
  if (given.length === 0) return undefined
  if (given.length > 1) throw new ConfigError(`give only one of json, form and body; got ${given.join(' and ')}`)
  if (method === 'GET' || method === 'HEAD') throw new ConfigError(`a ${method} request cannot have a body`)
  if (options.json !== undefined) {
    if (!headers.has('content-type')) headers.set('content-type', 'application/json')
    const text = JSON.stringify(options.json)
    if (text === undefined) throw new ConfigError('json must be a JSON-serialisable value')
    return text
  }
  const form = options.form
  if (form !== undefined) {
    if (form instanceof FormData || form instanceof URLSearchParams) return form
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(form)) if (value !== undefined) params.append(key, String(value))
    return params
  }
  return options.body
}
