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

/** Headers whose values are masked wherever ply reports headers, matched case-insensitively. */
const secretHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])

/**
 * Secret values (tokens, passwords, keys) that the auth middlewares registered. Any of them
 * found in an error message, a URL or a log line is masked, wherever it appears. The set is
 * bounded, oldest first out, so rotating tokens cannot grow it without limit.
 */
const secretValues = new Set<string>()
const MAX_SECRET_VALUES = 1024
// Shorter values would mask ordinary words; no real credential is this short.
const MIN_SECRET_LENGTH = 4

/** Registers one more query parameter name whose value must never be reported. */
export function redactQueryParam(name: string): void {
  secretQueryParams.add(name.toLowerCase())
  secretParamPattern = undefined
}

/** Finds a secret parameter's `name=` after `?`, `&` or `#`; rebuilt when a name is added. */
let secretParamPattern: RegExp | undefined

/**
 * Whether a URL or its query (`?…`) may hold a secret parameter: a secret parameter's name
 * after `?`, `&`, `#` or `;`, or any percent-encoding (which could hide a name). `false` means
 * it certainly holds none, so the query need not be parsed to mask or drop one.
 */
export function mayHoldSecretParam(text: string): boolean {
  return text.includes('%') || mentionsSecretParam(text)
}

function mentionsSecretParam(text: string): boolean {
  secretParamPattern ??= new RegExp(
    `[?&#;](?:${[...secretQueryParams].map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})=`,
    'i',
  )
  return secretParamPattern.test(text)
}

/**
 * `redactUrl` for a URL given as text, without parsing it when that cannot change anything:
 * no userinfo, no percent-encoding (which could hide a parameter's name) and no secret
 * parameter name. Registered secret values are masked either way.
 */
export function redactUrlText(url: string): string {
  if (url.includes('@') || mayHoldSecretParam(url)) return redactUrl(url)
  return redactText(url)
}

/** Registers one more header name whose value must never be reported. */
export function redactHeader(name: string): void {
  secretHeaders.add(name.toLowerCase())
}

/** Registers a secret value: from now on it is masked in every error, URL and log line. */
export function registerSecret(value: string): void {
  if (value.length < MIN_SECRET_LENGTH || secretValues.has(value)) return
  if (secretValues.size >= MAX_SECRET_VALUES) {
    const oldest = secretValues.values().next().value
    if (oldest !== undefined) secretValues.delete(oldest)
  }
  secretValues.add(value)
  // Also mask the forms a value takes in a URL path or query, and in a form body.
  for (const form of [encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2)]) {
    if (form !== value) secretValues.add(form)
  }
}

/** `text` with every registered secret value replaced by `[REDACTED]`. */
export function redactText(text: string): string {
  if (secretValues.size === 0) return text
  let result = text
  for (const secret of secretValues) if (result.includes(secret)) result = result.replaceAll(secret, REDACTED)
  return result
}

/**
 * `value` with every registered secret masked in its strings, for reporting a parsed body
 * (`HttpError`'s serialised and inspected forms). Arrays and plain objects are copied, as deep
 * as `depth`; anything else (bytes, class instances) is reported by its kind only, since its
 * contents cannot be masked. Returns `value` itself when no secret is registered.
 */
export function redactData(value: unknown, depth = 8): unknown {
  if (secretValues.size === 0) return value
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (depth === 0) return '[…]'
  if (Array.isArray(value)) return value.map((item) => redactData(item, depth - 1))
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return `[${value.constructor?.name ?? 'object'}]`
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) copy[redactText(key)] = redactData(item, depth - 1)
  return copy
}

/** Whether a query parameter's value must be masked when reported (and kept out of cache keys). */
export function isSecretQueryParam(name: string): boolean {
  return secretQueryParams.has(name.toLowerCase())
}

/** Whether a header's value must be masked when reported. */
export function isSecretHeader(name: string): boolean {
  return secretHeaders.has(name.toLowerCase())
}

/** Headers as a plain record for reporting, with secret headers and registered values masked. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [name, value] of headers) record[name] = isSecretHeader(name) ? REDACTED : redactText(value)
  return record
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
  return redactText(copy ? copy.href.replaceAll(ENCODED_REDACTED, REDACTED) : parsed.href)
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
