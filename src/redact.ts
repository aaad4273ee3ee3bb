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

/** Registers one more header name whose value must never be reported. */
export function redactHeader(name: string): void {
  secretHeaders.add(name.toLowerCase())
}

/** How `registerSecret` keeps a value. */
export interface SecretOptions {
  /**
   * A value used for one attempt or a short while (what a token function returned, an OAuth2
   * access token): kept among the most recent such values, a bounded set from which the least
   * recently registered goes first, so that rotating tokens cannot grow it without limit.
   * Registering it again makes it recent again. Default `false`: the value is pinned.
   */
  transient?: boolean | undefined
  /**
   * For a pinned value: pinned only while `owner` (typically the middleware that holds the
   * secret) can be reached; once it has been garbage-collected, the value joins the recent,
   * bounded ones. Without an owner, a pinned value stays for the life of the process.
   */
  owner?: object | undefined
}

/**
 * The registry of secret values. A value is kept in the forms it takes on the wire (as is,
 * percent-encoded in a URL, form-encoded in a body). Pinned values (secrets given at
 * construction: passwords, static tokens, API keys, client secrets) are never evicted while
 * they are pinned; transient ones (per-attempt tokens) live in a bounded LRU whose cap counts
 * every form, so that neither memory nor the cost of `redactText` grows with rotation.
 */
const MAX_RECENT_FORMS = 1024
/** Pinned values and how many times each is pinned. */
const pins = new Map<string, number>()
/** Transient values, least recently registered first, with their forms. */
const recent = new Map<string, readonly string[]>()
let recentForms = 0
/** Every form masked now, and how many holders (a pin, a place in `recent`) it has. */
const held = new Map<string, number>()
/**
 * The held forms by a hash of their last `MIN_SECRET_LENGTH` characters, so that
 * `redactText` scans a text once, whatever the number of secrets, instead of searching it
 * for each of them.
 */
const byTail = new Map<number, string[]>()
// Below this many forms, one `includes` per form is cheaper than the scan.
const SCAN_THRESHOLD = 32

// A pin whose owner was collected becomes recent (an error made while it was in use may
// still be logged), then is unpinned.
const owners = new FinalizationRegistry<string>((value) => {
  remember(value)
  unpin(value)
})

/** The forms a value takes: as is, in a URL path or query, in a form body. */
function formsOf(value: string): string[] {
  const forms = [value, new URLSearchParams({ v: value }).toString().slice(2)]
  try {
    forms.push(encodeURIComponent(value))
  } catch {
    // A lone surrogate has no percent-encoded form (URIError); it can be masked as is.
  }
  return [...new Set(forms)]
}

function tailHash(text: string, end: number): number {
  let hash = 0
  for (let i = end - MIN_SECRET_LENGTH + 1; i <= end; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0
  return hash
}

function hold(forms: readonly string[]): void {
  for (const form of forms) {
    const count = held.get(form) ?? 0
    held.set(form, count + 1)
    if (count > 0) continue
    const tail = tailHash(form, form.length - 1)
    const bucket = byTail.get(tail)
    if (bucket === undefined) byTail.set(tail, [form])
    else bucket.push(form)
  }
}

function release(forms: readonly string[]): void {
  for (const form of forms) {
    const count = held.get(form) ?? 0
    if (count > 1) {
      held.set(form, count - 1)
      continue
    }
    held.delete(form)
    const tail = tailHash(form, form.length - 1)
    const bucket = byTail.get(tail)
    const at = bucket?.indexOf(form) ?? -1
    if (bucket === undefined || at === -1) continue
    if (bucket.length === 1) byTail.delete(tail)
    else bucket.splice(at, 1)
  }
}

function pin(value: string): void {
  const count = pins.get(value) ?? 0
  pins.set(value, count + 1)
  if (count === 0) hold(formsOf(value))
}

function unpin(value: string): void {
  const count = pins.get(value) ?? 0
  if (count > 1) {
    pins.set(value, count - 1)
    return
  }
  pins.delete(value)
  if (count === 1) release(formsOf(value))
}

function remember(value: string): void {
  const known = recent.get(value)
  if (known !== undefined) {
    // Registered again: the most recent now.
    recent.delete(value)
    recent.set(value, known)
    return
  }
  const forms = formsOf(value)
  recent.set(value, forms)
  recentForms += forms.length
  hold(forms)
  for (const [oldest, oldForms] of recent) {
    if (recentForms <= MAX_RECENT_FORMS) break
    recent.delete(oldest)
    recentForms -= oldForms.length
    release(oldForms)
  }
}

/**
 * Registers a secret value: from now on it is masked, in the forms it takes in a URL and in a
 * form body too, in every error, URL and log line. A value given at construction (a password,
 * a static token, an API key) is pinned, ideally with the middleware as its `owner`; a value
 * made per attempt (a rotating token) is `transient`. See `SecretOptions`.
 */
export function registerSecret(value: string, options: SecretOptions = {}): void {
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return
  if (options.transient === true) {
    remember(value)
    return
  }
  pin(value)
  if (options.owner !== undefined) owners.register(options.owner, value)
}

/** `text` with every registered secret value replaced by `[REDACTED]`. */
export function redactText(text: string): string {
  if (held.size === 0 || text.length < MIN_SECRET_LENGTH) return text
  const found: string[] = []
  if (held.size <= SCAN_THRESHOLD) {
    for (const secret of held.keys()) if (text.includes(secret)) found.push(secret)
  } else {
    // One pass: at each position, only the secrets that end with the 4 characters there are compared.
    for (let end = MIN_SECRET_LENGTH - 1; end < text.length; end++) {
      const bucket = byTail.get(tailHash(text, end))
      if (bucket === undefined) continue
      for (const secret of bucket) {
        const start = end + 1 - secret.length
        if (start >= 0 && text.startsWith(secret, start) && !found.includes(secret)) found.push(secret)
      }
    }
  }
  if (found.length === 0) return text
  // Longest first: a secret that contains another (a password inside its Basic form) goes whole.
  found.sort((a, b) => b.length - a.length)
  let result = text
  for (const secret of found) result = result.replaceAll(secret, REDACTED)
  return result
}

/**
 * `value` with every registered secret masked in its strings, for reporting a parsed body
 * (`HttpError`'s serialised and inspected forms). Arrays and plain objects are copied, as deep
 * as `depth`; anything else (bytes, class instances) is reported by its kind only, since its
 * contents cannot be masked. Returns `value` itself when no secret is registered.
 */
export function redactData(value: unknown, depth = 8): unknown {
  if (held.size === 0) return value
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
