import { HttpError } from './errors.ts'

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
 * `error instanceof HttpError` is the same test with `data` left `unknown`.
 */
export function isHttpError<T = unknown>(error: unknown): error is HttpError<T> {
  return error instanceof HttpError
}
