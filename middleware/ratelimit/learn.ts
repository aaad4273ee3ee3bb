/** What a response says about the server's rate limit. */
export interface Observation {
  /** The quota of the current window, when the server said. */
  readonly limit?: number
  /** Requests left in the current window. */
  readonly remaining?: number
  /** When the window resets (`Date.now()` ms). */
  readonly resetAt?: number
  /** The server asked for a pause until then (`Retry-After` on a 429, 503 or 403). */
  readonly retryAt?: number
  /** A quota policy the server announced (`RateLimit-Policy`): `limit` per `windowMs`. */
  readonly policy?: { readonly limit: number; readonly windowMs: number }
}

const integer = (value: string | null | undefined): number | undefined =>
  value !== null && value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined

/** A structured-field parameter (`r=0`, `t=10`, `q=100`, `w=60`) or an older `name=value` item. */
function parameter(field: string, ...names: string[]): number | undefined {
  for (const name of names) {
    const match = new RegExp(`(?:^|[;,\\s])${name}=(\\d+)`).exec(field)
    if (match) return Number(match[1])
  }
  return undefined
}

function retryAfterAt(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const seconds = integer(value)
  if (seconds !== undefined) return now + seconds * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : at
}

/**
 * Reads the rate-limit fields of a response: GitHub's `X-RateLimit-Limit/Remaining/Reset`
 * (reset in epoch seconds), the IETF `RateLimit` and `RateLimit-Policy` fields
 * (draft-ietf-httpapi-ratelimit-headers, both the structured `r=`/`t=`/`q=`/`w=` form and the
 * older `RateLimit-Limit/Remaining/Reset` with reset in seconds), and `Retry-After` on a 429,
 * 503 or 403 (GitHub's secondary rate limit).
 */
export function observe(response: Response, now: number): Observation {
  const { headers, status } = response
  let limit = integer(headers.get('x-ratelimit-limit'))
  let remaining = integer(headers.get('x-ratelimit-remaining'))
  const epochReset = integer(headers.get('x-ratelimit-reset'))
  let resetAt = epochReset === undefined ? undefined : epochReset * 1000

  const field = headers.get('ratelimit')
  if (field !== null) {
    remaining = parameter(field, 'r', 'remaining') ?? remaining
    limit = parameter(field, 'limit') ?? limit
    const reset = parameter(field, 't', 'reset')
    if (reset !== undefined) resetAt = now + reset * 1000
  }
  limit = integer(headers.get('ratelimit-limit')) ?? limit
  remaining = integer(headers.get('ratelimit-remaining')) ?? remaining
  const deltaReset = integer(headers.get('ratelimit-reset'))
  if (deltaReset !== undefined) resetAt = now + deltaReset * 1000

  const policyField = headers.get('ratelimit-policy')
  const quota =
    policyField === null ? undefined : (parameter(policyField, 'q') ?? integer(policyField.split(/[;,]/)[0]))
  const window = policyField === null ? undefined : parameter(policyField, 'w')
  // A 403 with `Retry-After` is a throttle too (GitHub's secondary rate limit answers so).
  const retryAt =
    status === 429 || status === 503 || status === 403 ? retryAfterAt(headers.get('retry-after'), now) : undefined

  return {
    ...(limit !== undefined ? { limit } : {}),
    ...(remaining !== undefined ? { remaining } : {}),
    ...(resetAt !== undefined ? { resetAt } : {}),
    ...(retryAt !== undefined ? { retryAt } : {}),
    ...(quota !== undefined && window !== undefined && window > 0
      ? { policy: { limit: quota, windowMs: window * 1000 } }
      : {}),
  }
}
