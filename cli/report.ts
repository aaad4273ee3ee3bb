import { CallFailure, EXIT, type FailedCall, MissingCredentialError, UsageError } from './errors.ts'

/** How a failed run ends: its exit code and the one line for stderr (without the `ply: ` prefix). */
export interface Failure {
  readonly code: number
  readonly message: string
}

/**
 * The exit code and message for an error: 2 for usage errors (`UsageError`, the library's
 * `ConfigError`) with a hint to run `ply --help`; 3 for authentication (`AuthError`, a 401, a
 * missing key); 4 for rate limits (`RateLimitError`, a 429), saying when the limit resets; 1
 * for everything else (an API error, a network failure, a timeout, a body that does not
 * parse). Messages pass the library's redaction of registered secrets. The library is loaded
 * only for errors that can come from it, so usage errors are reported fast. For an error that
 * ended a call (`CallFailure`), the message also says how many attempts were made and over
 * how long (see `withAttempts`).
 */
export async function failureOf(error: unknown, now = Date.now()): Promise<Failure> {
  if (error instanceof CallFailure) {
    const { code, message } = await failureOf(error.error, now)
    return { code, message: await withAttempts(message, error.error, error.call) }
  }
  if (error instanceof UsageError) return { code: EXIT.usage, message: `${error.message} (run 'ply --help')` }
  if (error instanceof MissingCredentialError) return { code: EXIT.auth, message: error.message }
  const { AuthError, ConfigError, HttpError, PlyError, RateLimitError } = await import('../src/index.ts')
  const { redactText } = await import('../middleware/kit.ts')
  const failure = (code: number, message: string): Failure => ({ code, message: redactText(message) })
  if (error instanceof ConfigError) return failure(EXIT.usage, `${error.message} (run 'ply --help')`)
  if (error instanceof AuthError) return failure(EXIT.auth, error.message)
  if (error instanceof RateLimitError) return failure(EXIT.rateLimited, withReset(error.message, error.resetAt, now))
  if (error instanceof HttpError) {
    const message = withServerMessage(error.message, error.data)
    // `ply get` has no preset to map statuses: a 401 is still an authentication failure, a 429 a limit.
    if (error.status === 401) return failure(EXIT.auth, message)
    if (error.status === 429)
      return failure(EXIT.rateLimited, withReset(message, retryAfterOf(error.headers, now), now))
    return failure(EXIT.failure, message)
  }
  if (error instanceof PlyError) return failure(EXIT.failure, error.message)
  const text = error instanceof Error ? error.message : String(error)
  return failure(EXIT.failure, `unexpected error: ${text}`)
}

/**
 * The message of a failed call with its attempts: a timeout is said as one
 * (`GET http://127.0.0.1:1234/x timed out after 2 attempts over 0.4 s (200 ms per attempt)`),
 * a network failure gets `(after 3 attempts over 0.9 s)`, and so does an answer that came
 * after more than one attempt. A single attempt that got an answer needs no such note.
 */
async function withAttempts(message: string, error: unknown, call: FailedCall): Promise<string> {
  const { ConfigError, NetworkError, TimeoutError } = await import('../src/index.ts')
  const { redactText } = await import('../middleware/kit.ts')
  if (error instanceof ConfigError) return message
  const attempts = `${call.attempts} attempt${call.attempts === 1 ? '' : 's'}`
  const over = `${attempts} over ${(call.durationMs / 1_000).toFixed(1)} s`
  if (error instanceof TimeoutError) {
    return redactText(`${call.method} ${call.url} timed out after ${over} (${error.timeoutMs} ms per attempt)`)
  }
  return error instanceof NetworkError || call.attempts > 1 ? `${message} (after ${over})` : message
}

/** The message, with the `message` field of a JSON error body when the message lacks it. */
function withServerMessage(message: string, data: unknown): string {
  const said =
    typeof data === 'object' && data !== null && 'message' in data && typeof data.message === 'string'
      ? (data.message.trim().split(/\r?\n/)[0] ?? '')
      : ''
  return said && !message.includes(said) ? `${message}: ${said}` : message
}

function withReset(message: string, resetAt: Date | undefined, now: number): string {
  if (resetAt === undefined || Number.isNaN(resetAt.getTime())) return message
  const minutes = Math.max(1, Math.round((resetAt.getTime() - now) / 60_000))
  const when = minutes === 1 ? 'in about a minute' : `in ${minutes} minutes`
  const iso = resetAt.toISOString()
  return message.includes(iso) ? `${message}; try again ${when}` : `${message}; the limit resets at ${iso} (${when})`
}

function retryAfterOf(headers: Headers, now: number): Date | undefined {
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+$/.test(value)) return new Date(now + Number(value) * 1000)
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date
}
