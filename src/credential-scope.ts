import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'

// Random per process, so a scope cannot be reversed by hashing guesses. Processes that share
// a cache (a Redis store) set one key for all with `setCredentialScopeKey`.
// A KeyObject, made once: handing createHmac a raw Buffer costs several times more per call.
let scopeKey: KeyObject = createSecretKey(randomBytes(32))

/**
 * Sets the key the credential scopes are hashed with. Processes that share a cache or a rate
 * limiter through Redis must use the same key (at least 32 bytes, kept secret), or their
 * scopes differ and nothing is shared.
 */
export function setCredentialScopeKey(key: string | Uint8Array): void {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key)
  if (bytes.byteLength < 32) throw new RangeError('the credential scope key must be at least 32 bytes')
  scopeKey = createSecretKey(bytes)
}

/**
 * An opaque identifier of a credential: `<scheme>:` and a keyed hash (HMAC-SHA256) of the
 * credential. The same credential gives the same scope within a process (or across processes
 * that share the key); the credential cannot be recovered from it.
 */
export function credentialScope(scheme: string, credential: string): string {
  const digest = createHmac('sha256', scopeKey).update(`${scheme}\0${credential}`).digest('base64url')
  return `${scheme}:${digest.slice(0, 22)}`
}
