/** What a masked value is replaced with. */
export const REDACTED = '[REDACTED]'

// Shorter values would mask ordinary words; no real credential is this short.
const MIN_SECRET_LENGTH = 4

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
