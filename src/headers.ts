import type { HeadersInput } from './context.ts'
import { ConfigError } from './errors.ts'

// RFC 9110 §5.1: a field name is a token; §5.5: a value must not hold CR, LF or NUL.
const fieldName = /^[!#$%&'*+.^_`|~\dA-Za-z-]+$/
const forbiddenInValue = /[\r\n\0]/
// §5.5 allows no other control character either but HTAB; fetch would fail on one with a
// NetworkError, which a retry would even repeat.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const controlInValue = /[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]/
// A header value is a byte string: fetch refuses a character above U+00FF with a bare TypeError.
const beyondLatin1 = /[^\0-\xff]/

function entriesOf(input: HeadersInput, where: string): Iterable<readonly [string, string | undefined]> {
  if (input instanceof Headers) return input
  if (Array.isArray(input)) {
    for (const pair of input as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new ConfigError(`${where}: each entry of a header list must be a [name, value] pair`)
      }
    }
    return input as [string, string][]
  }
  if (typeof input !== 'object' || input === null) {
    const got = input === null ? 'null' : typeof input
    throw new ConfigError(`${where}: headers must be a Headers, a list of [name, value] pairs or a record, got ${got}`)
  }
  return Object.entries(input as Record<string, string | undefined>)
}

/**
 * Copies `input` onto `target`, checking every name and value: `fetch` would trim CR/LF at a
 * value's ends silently and reject them inside, or a character above U+00FF, with a vague
 * `TypeError`, so ply rejects them up front with a `ConfigError` that names the header (never
 * its value, which may be secret). `undefined` values are skipped.
 */
export function applyHeaders(target: Headers, input: HeadersInput | undefined, where: string): Headers {
  if (input === undefined) return target
  // A name repeated within one input adds a value; the first occurrence replaces a default.
  const seen = new Set<string>()
  for (const [name, value] of entriesOf(input, where)) {
    if (value === undefined) continue
    if (typeof name !== 'string' || !fieldName.test(name)) {
      throw new ConfigError(`${where}: ${JSON.stringify(name)} is not a valid header name`)
    }
    if (typeof value !== 'string') {
      throw new ConfigError(`${where}: header '${name}' must be a string`)
    }
    if (forbiddenInValue.test(value)) {
      throw new ConfigError(`${where}: header '${name}' has a CR, LF or NUL character in its value`)
    }
    if (controlInValue.test(value)) {
      throw new ConfigError(`${where}: header '${name}' has a control character in its value`)
    }
    if (beyondLatin1.test(value)) {
      throw new ConfigError(
        `${where}: header '${name}' has a character above U+00FF in its value, which a header cannot carry; percent-encode it`,
      )
    }
    const key = name.toLowerCase()
    if (seen.has(key)) target.append(name, value)
    else target.set(name, value)
    seen.add(key)
  }
  return target
}

/** Whether a request carries a validator (`If-None-Match`, `If-Modified-Since`, `If-Match`, `If-Unmodified-Since`, `If-Range`). */
export function isConditional(headers: Headers): boolean {
  return (
    headers.has('if-none-match') ||
    headers.has('if-modified-since') ||
    headers.has('if-match') ||
    headers.has('if-unmodified-since') ||
    headers.has('if-range')
  )
}
