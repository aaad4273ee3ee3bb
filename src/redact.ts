import type { RequestSummary } from './errors.ts'

/** What a masked value is replaced with. */
export const REDACTED = '[REDACTED]'
const ENCODED_REDACTED = encodeURIComponent(REDACTED)

/**
 * Query parameters whose values are masked in every URL ply reports (errors, logs), matched
 * case-insensitively. Middlewares add the names they put secrets under (for example an API
 * key's query parameter) through `redactQueryParam`.
 */
const secretQueryParams = new Set([
  'access_token',
  'api_key',
  'apikey',
  'api-key',
  'appid',
  'auth',
  'client_secret',
  'code',
  'id_token',
  'key',
  'password',
  'refresh_token',
  'secret',
  'sig',
  'signature',
  'token',
])

/** Registers one more query parameter name whose value must never be reported. */
export function redactQueryParam(name: string): void {
  secretQueryParams.add(name.toLowerCase())
}

/** The URL as a string with its password and secret query parameter values masked. */
export function redactUrl(url: URL | string): string {
  let parsed: URL
  try {
    parsed = typeof url === 'string' ? new URL(url) : url
  } catch {
    return REDACTED
  }
  let copy: URL | undefined
  const writable = (): URL => {
    copy ??= new URL(parsed.href)
    return copy
  }
  // A user name alone is often a token (`https://<token>@host`), so any userinfo is masked.
  if (parsed.password) writable().password = REDACTED
  if (parsed.username) writable().username = REDACTED
  if (parsed.search && hasSecret(parsed.searchParams)) writable().search = maskParams(parsed.searchParams)
  // A fragment is never sent, but implicit OAuth flows put tokens there (`#access_token=…`).
  if (parsed.hash.includes('=')) {
    const fragment = new URLSearchParams(parsed.hash.slice(1))
    if (hasSecret(fragment)) writable().hash = maskParams(fragment)
  }
  // URL serialisation percent-encodes the brackets; put them back so the mask reads plainly.
  return copy ? copy.href.replaceAll(ENCODED_REDACTED, REDACTED) : parsed.href
}

function hasSecret(params: URLSearchParams): boolean {
  for (const name of params.keys()) if (secretQueryParams.has(name.toLowerCase())) return true
  return false
}

function maskParams(params: URLSearchParams): string {
  const masked = new URLSearchParams()
  for (const [name, value] of params) masked.append(name, secretQueryParams.has(name.toLowerCase()) ? REDACTED : value)
  return masked.toString()
}

/** The `{ method, url }` summary that errors carry, with the URL redacted. */
export function summarize(method: string, url: URL | string): RequestSummary {
  return { method, url: redactUrl(url) }
}
