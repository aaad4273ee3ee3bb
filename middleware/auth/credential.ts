import { ConfigError } from '../../src/index.ts'
import { registerSecret } from '../../src/kit.ts'
import type { CredentialSource } from './scope.ts'

/** Where a credential travels: a header value is a byte string, a query parameter is percent-encoded. */
export type Carrier = 'header' | 'query'

// RFC 9110 §5.5: no control characters (CR, LF and NUL above all) in a field value, and
// surrounding whitespace would be trimmed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const unsafe = /[\x00-\x1f\x7f]|^\s|\s$/
// A header value cannot carry a character above U+00FF: fetch fails on it with a bare TypeError.
const beyondLatin1 = /[^\0-\xff]/

/**
 * Checks a credential, naming `what` (never the value). `carrier` says where it goes: in a
 * header it must also be Latin-1. It does not register the value: a value given at
 * construction is pinned by its middleware (`pinSecret`), one returned per attempt is
 * registered as transient by `resolveCredential`.
 */
export function checkCredential(value: unknown, what: string, carrier: Carrier = 'header'): void {
  if (typeof value === 'function') return
  if (typeof value !== 'string') throw new ConfigError(`${what} must be a string or a function returning one`)
  if (value === '') throw new ConfigError(`${what} is empty`)
  if (unsafe.test(value)) {
    throw new ConfigError(`${what} has a line break, NUL, control character or surrounding whitespace`)
  }
  if (carrier === 'header' && beyondLatin1.test(value)) {
    throw new ConfigError(`${what} has a character above U+00FF, which a header cannot carry`)
  }
}

/**
 * Registers a credential given at construction as a pinned secret for as long as `middleware`
 * lives: a rotating token elsewhere in the process can never push it out of the registry.
 */
export function pinSecret(value: unknown, middleware: object): void {
  if (typeof value === 'string') registerSecret(value, { owner: middleware })
}

/**
 * Resolves a credential for one attempt: a function is called every time (so rotating
 * credentials work), and its result is checked and registered as a transient secret (one of
 * the recent values, a bounded set; registering it again on each attempt keeps a long-lived
 * value among them).
 */
export async function resolveCredential(
  source: CredentialSource,
  what: string,
  carrier: Carrier = 'header',
): Promise<string> {
  if (typeof source === 'string') return source
  const value = await source()
  checkCredential(value, `${what} (as returned by its function)`, carrier)
  registerSecret(value, { transient: true })
  return value
}
