import { KeyedHash } from './digest.ts'

declare module '../../src/index.ts' {
  interface ContextState {
    /**
     * Set by the auth middlewares: an opaque keyed hash that names the credential this call
     * uses (never the credential itself). Caches, dedupe and rate limiters partition by it, so
     * that a response fetched with one credential is never served to another.
     */
    credentialScope?: string
  }
}

// Random per process, so a scope cannot be reversed by hashing guesses. Processes that share
// a cache (a Redis store) set one key for all with `setCredentialScopeKey`. Keyed once: the
// HMAC's pads are hashed here, not on every call.
let scopeHash = new KeyedHash(globalThis.crypto.getRandomValues(new Uint8Array(32)))

/**
 * Sets the key the credential scopes are hashed with. Processes that share a cache or a rate
 * limiter through Redis must use the same key (at least 32 bytes, kept secret), or their
 * scopes differ and nothing is shared. A string key is taken as its UTF-8 bytes.
 */
export function setCredentialScopeKey(key: string | Uint8Array): void {
  const bytes = typeof key === 'string' ? new TextEncoder().encode(key) : Uint8Array.from(key)
  if (bytes.byteLength < 32) throw new RangeError('the credential scope key must be at least 32 bytes')
  scopeHash = new KeyedHash(bytes)
  bytes.fill(0)
}

/**
 * An opaque identifier of a credential: `<scheme>:` and a keyed hash (HMAC-SHA256) of the
 * credential. The same credential gives the same scope within a process (or across processes
 * that share the key); the credential cannot be recovered from it.
 */
export function credentialScope(scheme: string, credential: string): string {
  // 22 base64url characters (132 bits) of the HMAC: the first 17 bytes hold them all.
  return `${scheme}:${scopeHash.digest(`${scheme}\0${credential}`, 17).slice(0, 22)}`
}
