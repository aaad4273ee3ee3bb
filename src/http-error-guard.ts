import { type Client, clientBaseUrl } from './client.ts'
import { HttpError } from './errors.ts'
import type { OpenApiRoute, OperationHttpError, OperationOf } from './openapi-types.ts'
import { isCallOf, parseRoute } from './routes.ts'

/**
 * Whether `error` is an `HttpError`, typing its `data` as `T` when it is. `T` is the caller's
 * word, not checked: an error body is what the server sent (parsed by its content type, text
 * when it is not the JSON it claims to be, `undefined` when empty), so check its shape, or
 * validate it, before relying on it. Test the status beside it:
 *
 * ```ts
 * catch (error) {
 *   if (isHttpError<{ message: string }>(error) && error.status === 404) console.log(error.data.message)
 * }
 * ```
 *
 * With a typed client (`createClient<paths>()`) and one of its routes, it is whether `error`
 * is an `HttpError` of a call of that route on that client (same method, the URL under the
 * client's `baseUrl` matching the route's template), typed by the document's error responses:
 * testing `error.status` then narrows `data` to that status's body.
 *
 * ```ts
 * catch (error) {
 *   if (isHttpError(error, api, 'GET /pets/{petId}') && error.status === 404) console.log(error.data.message)
 * }
 * ```
 *
 * The document's word is not checked either: a status it does not list (a proxy's 502) is
 * still an `HttpError` here, typed as the document's error responses are.
 *
 * `error instanceof HttpError` is the same test with `data` left `unknown`.
 */
export function isHttpError<T = unknown>(error: unknown): error is HttpError<T>
export function isHttpError<Paths extends object, R extends OpenApiRoute<Paths>>(
  error: unknown,
  client: Client<Paths>,
  route: R,
): error is OperationHttpError<OperationOf<Paths, R>>
export function isHttpError(error: unknown, client?: Client<object>, route?: string): boolean {
  if (!(error instanceof HttpError)) return false
  if (client === undefined) return true
  const { method, path } = parseRoute(route, 'isHttpError()')
  const request = error.request
  return request !== undefined && isCallOf({ method, path }, clientBaseUrl(client), request.method, request.url)
}
