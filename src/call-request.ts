import { validateTimeout } from './client-options.ts'
import { PlyRequest, type RequestOptions } from './context.ts'
import type { FetchDefaults } from './fetch-request.ts'
import { applyHeaders } from './headers.ts'
import { dropUnfitContentType, requestBody } from './request-body.ts'
import { keepSecretsHome, registerCallSecrets } from './secret-headers.ts'
import { appendQuery, expandPath, joinUrl } from './url.ts'

/**
 * The request a `client.request(method, path, options)` call sends (and `get`, `post`, …):
 * the path template expanded and joined to `baseUrl`, the query appended, the client's headers
 * then the call's, the body serialised, and the call's timeout or the client's. The client's
 * `defaults` are the ones it lends its `fetch` calls. A secret header is kept to the client's
 * origin (see `keepSecretsHome`).
 *
 * @throws {ConfigError} for a bad path, parameter, query, header, body, timeout or deadline,
 *   or a secret header bound for another origin.
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
  const { secrets } = defaults
  if (options.headers === undefined && implied === undefined) {
    // Most calls add no headers: they share the client's, copied only if a middleware changes them.
    const shared = secrets === undefined ? defaults.headers : keepSecretsHome(secrets, method, url, defaults.headers)
    return new PlyRequest({ method, url, sharedHeaders: shared, body, timeout, signal, options })
  }
  const headers = new Headers(defaults.headers)
  // The type a body implies beats the client's default (a form is not JSON because the
  // client says JSON by default); the call's own `content-type` header, applied next, beats both.
  dropUnfitContentType(headers, implied)
  applyHeaders(headers, options.headers, 'headers')
  if (contentType !== undefined && !headers.has('content-type')) headers.set('content-type', contentType)
  if (secrets === undefined) return new PlyRequest({ method, url, headers, body, timeout, signal, options })
  registerCallSecrets(secrets, headers, defaults.headers)
  const sent = keepSecretsHome(secrets, method, url, headers)
  return new PlyRequest({ method, url, headers: sent, body, timeout, signal, options })
}
