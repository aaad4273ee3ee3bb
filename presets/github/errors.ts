import { AuthError, HttpError, RateLimitError } from '../../src/index.ts'
import { redactText } from '../../src/kit.ts'

/** One entry of a 422's `errors[]`: what was wrong with which field. */
export interface GitHubValidationError {
  readonly resource?: string
  readonly field?: string
  /** `missing`, `missing_field`, `invalid`, `already_exists`, `unprocessable`, or `custom` (see `message`). */
  readonly code: string
  readonly message?: string
}

/** The JSON body of a GitHub error response. */
export interface GitHubErrorBody {
  readonly message?: string
  readonly documentation_url?: string
  readonly errors?: readonly GitHubValidationError[]
}

/**
 * A non-2xx answer from GitHub, with what GitHub said: its `message`, the `documentation_url`
 * and, on a 422, the field errors. It is an `HttpError`, so `status`, `headers` and `data` are
 * there too.
 */
export class GitHubError extends HttpError<unknown> {
  override name = 'GitHubError'
  /** GitHub's explanation (`Not Found`, `Validation Failed`, …), when it sent one. */
  readonly githubMessage: string | undefined
  /** The documentation page GitHub points to, when it sent one. */
  readonly documentationUrl: string | undefined
  /** What was wrong with which field (a 422 `Validation Failed`); empty otherwise. */
  readonly errors: readonly GitHubValidationError[]

  constructor(error: HttpError) {
    super(
      { status: error.status, statusText: error.statusText, headers: error.headers, data: error.data },
      { request: error.request, cause: error.cause },
    )
    const body = bodyOf(error.data)
    this.githubMessage = body.message
    this.documentationUrl = body.documentation_url
    this.errors = Array.isArray(body.errors) ? body.errors : []
    if (error.attemptCauses !== undefined) this.attemptCauses = error.attemptCauses
    const where = error.request ? ` (${error.request.method} ${error.request.url})` : ''
    const fields = this.errors.map(describe).join('; ')
    const doc = this.documentationUrl ? ` — see ${this.documentationUrl}` : ''
    this.message = redactText(
      `GitHub: HTTP ${error.status} ${body.message ?? error.statusText}${fields ? `: ${fields}` : ''}${where}${doc}`,
    )
  }
}

function describe(error: GitHubValidationError): string {
  const target = [error.resource, error.field].filter(Boolean).join('.')
  const what = error.message ?? error.code
  return target ? `${target} ${what}` : what
}

function bodyOf(data: unknown): GitHubErrorBody {
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as GitHubErrorBody) : {}
}

/** Whether a 403/429 is a rate limit (primary or secondary) rather than a refusal. */
function rateLimitReset(error: HttpError): Date | undefined {
  if (error.status !== 403 && error.status !== 429) return undefined
  const { headers } = error
  const retryAfter = headers.get('retry-after')
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return new Date(Date.now() + Number(retryAfter) * 1000)
  const reset = headers.get('x-ratelimit-reset')
  if (headers.get('x-ratelimit-remaining') === '0' && reset !== null && /^\d+$/.test(reset)) {
    return new Date(Number(reset) * 1000)
  }
  const message = bodyOf(error.data).message ?? ''
  return /rate limit/i.test(message) ? new Date(Date.now() + 60_000) : undefined
}

/**
 * Turns the client's `HttpError` into what a GitHub user expects: a 401 is an `AuthError`
 * (bad credentials), a 403/429 rate limit a `RateLimitError` with the reset time, anything
 * else a `GitHubError`. Other errors pass unchanged.
 */
export function githubErrorOf(error: unknown): unknown {
  if (!(error instanceof HttpError) || error instanceof GitHubError) return error
  const mapped = new GitHubError(error)
  if (error.status === 401) {
    return new AuthError(`GitHub rejected the credentials: ${mapped.githubMessage ?? 'Bad credentials'}`, {
      status: 401,
      request: error.request,
      cause: mapped,
    })
  }
  const resetAt = rateLimitReset(error)
  if (resetAt !== undefined) {
    return new RateLimitError(
      `GitHub's rate limit: ${mapped.githubMessage ?? `HTTP ${error.status}`} (resets at ${resetAt.toISOString()})`,
      { request: error.request, resetAt, cause: mapped },
    )
  }
  return mapped
}
