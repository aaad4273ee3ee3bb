import { ConfigError, registerSecret } from '../../src/index.ts'
import type { CredentialSource } from './scope.ts'

// RFC 9110 §5.5: no CR, LF or NUL in a field value; surrounding whitespace would be trimmed.
const unsafe = /[\r\n\0]|^\s|\s$/

/** Checks a credential given as a value at construction time, naming `what` (never the value). */
export function checkCredential(value: unknown, what: string): void {
  if (typeof value === 'function') return
  if (typeof value !== 'string') throw new ConfigError(`${what} must be a string or a function returning one`)
  if (value === '') throw new ConfigError(`${what} is empty`)
  if (unsafe.test(value)) throw new ConfigError(`${what} has a line break, NUL or surrounding whitespace`)
  registerSecret(value)
}

/**
 * Resolves a credential for one attempt: a function is called every time (so rotating
 * credentials work), and its result is checked and registered as a secret.
 */
export async function resolveCredential(source: CredentialSource, what: string): Promise<string> {
  if (typeof source === 'string') return source
  const value = await source()
  checkCredential(value, `${what} (as returned by its function)`)
  return value
}
