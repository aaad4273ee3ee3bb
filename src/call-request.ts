import { validateTimeout } from './client-options.ts'
import { PlyRequest, type RequestOptions } from './context.ts'
import type { FetchDefaults } from './fetch-request.ts'
import { applyHeaders } from './headers.ts'
import { dropUnfitContentType, requestBody } from './request-body.ts'
import { appendQuery, expandPath, joinUrl } from './url.ts'

/**
 * The request a `client.request(method, path, options)` call sends (and `get`, `post`, …):
 * the path template expanded and joined to `baseUrl`, the query appended, the client's headers
 * then the call's, the body serialised, and the call's timeout or the client's. The client's
 * `defaults` are the ones it lends its `fetch` calls.
 *
 * @throws {ConfigError} for a bad path, parameter, query, header, body, timeout or deadline.
 */
export function callRequest(
  method: string,
  path: string,
  options: RequestOptions,
  defaults: FetchDefaults,
): PlyRequest {
  const url = joinUrl(defaults.baseUrl, expandPath(path, options.params))
  appendQuery(url, options.query)
  const { body, contentType, implied } = requestBody(method, options)
  const timeout = options.timeout ?? defaults.timeout
  if (options.timeout !== undefined) validateTimeout(options.timeout)
  if (options.deadline !== undefined) validateTimeout(options.deadline, 'deadline')
  const signal = options.signal
  if (options.headers === undefined && implied === undefined) {
    // Most calls add no headers: they share the client's, copied only if a middleware changes them.
    return new PlyRequest({ method, url, sharedHeaders: defaults.headers, body, timeout, signal, options })
  }
  const headers = new Headers(defaults.headers)
  // The type a body implies beats the client's default (a form is not JSON because the
  // client says JSON by default); the call's own `content-type` header, applied next, beats both.
  dropUnfitContentType(headers, implied)
  applyHeaders(headers, options.headers, 'headers')
  if (contentType !== undefined && !headers.has('content-type')) headers.set('content-type', contentType)
  return new PlyRequest({ method, url, headers, body, timeout, signal, options })
}
