import { REDACTED, redactText } from './secret-registry.ts'

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

// A URL quoted in free text: a scheme, `://`, then anything up to a space, a quote or a bracket.
const quotedUrl = /\b[a-z][a-z\d+.-]*:\/\/[^\s"'<>`]+/gi

/**
 * Free text (a message, a stack trace, a failure reported by fetch) made safe to report:
 * every URL it quotes loses its user info and the values of its secret query parameters, and
 * every registered secret is masked. URLs that cannot hold either are left as they are.
 */
export function redactMessage(text: string): string {
  const urls = text.includes('://')
    ? text.replace(quotedUrl, (quoted) => {
        // Prose around a URL is not part of it: `(GET https://x/?k=v).` keeps its `).`
        const url = withoutTrailingProse(quoted)
        const rest = quoted.slice(url.length)
        return url.includes('@') || mayHoldSecretParam(url) ? redactUrl(url) + rest : quoted
      })
    : text
  return redactText(urls)
}

/** `url` without the punctuation that ends a sentence or closes a bracket opened before it. */
function withoutTrailingProse(url: string): string {
  let end = url.length
  for (;;) {
    const last = url[end - 1]
    if (last === '.' || last === ',' || last === ';' || last === ':' || last === '!' || last === '?') end -= 1
    else if (last === ')' && count(url, '(', end) < count(url, ')', end)) end -= 1
    else if (last === ']' && count(url, '[', end) < count(url, ']', end)) end -= 1
    else return url.slice(0, end)
  }
}

function count(text: string, char: string, end: number): number {
  let n = 0
  for (let i = text.indexOf(char); i !== -1 && i < end; i = text.indexOf(char, i + 1)) n += 1
  return n
}

/**
 * Registers one more header name whose value is a credential, for the whole process: it is
 * masked wherever ply reports headers, removed on a redirect to another origin, and caches and
 * `dedupe()` tell callers apart by its value. A client's `secretHeaders` are registered so.
 */
export function redactHeader(name: string): void {
  secretHeaders.add(name.toLowerCase())
}

/** Whether a query parameter's value must be masked when reported (and kept out of cache keys). */
export function isSecretQueryParam(name: string): boolean {
  return secretQueryParams.has(name.toLowerCase())
}

/** Whether a header carries a credential: masked when reported, removed on a redirect to another origin. */
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
