import { parseHttpDate } from '../../middleware/kit.ts'
import { AuthError, HttpError, RateLimitError } from '../../src/index.ts'
import { redactText } from '../../src/kit.ts'
import { codOf, withNumericCod } from './cod.ts'

/** The JSON body of an OpenWeatherMap error: `{"cod":"404","message":"city not found"}`. */
export interface OpenWeatherMapErrorBody {
  readonly cod?: number | string
  readonly message?: string
}

/** OpenWeatherMap blocks a key for the rest of the minute; it sends no `Retry-After`. */
const BLOCK_MS = 60_000

/**
 * A non-2xx answer from OpenWeatherMap, with what it said: `cod` (always a number) and its
 * `message` (`city not found`, `Nothing to geocode`, …). It is an `HttpError`, so `status`,
 * `headers` and `data` are there too.
 */
export class OpenWeatherMapError extends HttpError<unknown> {
  override name = 'OpenWeatherMapError'
  /** OpenWeatherMap's code, as a number (it sends a number or a string); the HTTP status when the body has none. */
  readonly cod: number
  /** OpenWeatherMap's explanation, when it sent one. */
  readonly owmMessage: string | undefined

  constructor(error: HttpError) {
    const data = withNumericCod(error.data)
    super(
      { status: error.status, statusText: error.statusText, headers: error.headers, data },
      { request: error.request, cause: error.cause },
    )
    const body = bodyOf(error.data)
    this.cod = codOf(body.cod) ?? error.status
    this.owmMessage = typeof body.message === 'string' && body.message !== '' ? body.message : undefined
    if (error.attemptCauses !== undefined) this.attemptCauses = error.attemptCauses
    const where = error.request ? ` (${error.request.method} ${error.request.url})` : ''
    this.message = redactText(`OpenWeatherMap: HTTP ${error.status} ${this.owmMessage ?? error.statusText}${where}`)
  }
}

function bodyOf(data: unknown): OpenWeatherMapErrorBody {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as OpenWeatherMapErrorBody) : {}
}

/** When a 429's block ends: its `Retry-After` (seconds or an HTTP date), else a minute from now. */
function resetOf(headers: Headers): Date {
  const retryAfter = headers.get('retry-after')?.trim()
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return new Date(Date.now() + Number(retryAfter) * 1000)
  const date = retryAfter === undefined ? undefined : parseHttpDate(retryAfter)
  return new Date(date ?? Date.now() + BLOCK_MS)
}

/**
 * Turns the client's `HttpError` into what an OpenWeatherMap user expects: a 401 is an
 * `AuthError` (a missing, wrong or not yet active key), a 429 a `RateLimitError` with the
 * time the block ends, anything else an `OpenWeatherMapError`. Other errors pass unchanged.
 */
export function openWeatherMapErrorOf(error: unknown): unknown {
  if (!(error instanceof HttpError) || error instanceof OpenWeatherMapError) return error
  const mapped = new OpenWeatherMapError(error)
  if (error.status === 401) {
    return new AuthError(`OpenWeatherMap rejected the API key: ${mapped.owmMessage ?? 'Invalid API key'}`, {
      status: 401,
      request: error.request,
      cause: mapped,
    })
  }
  if (error.status === 429) {
    const resetAt = resetOf(error.headers)
    return new RateLimitError(
      `OpenWeatherMap's rate limit: ${mapped.owmMessage ?? 'HTTP 429'} (resets at ${resetAt.toISOString()})`,
      { request: error.request, resetAt, cause: mapped },
    )
  }
  return mapped
}
