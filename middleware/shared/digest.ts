// Synchronous SHA-256 and HMAC-SHA256 for keys and scopes computed on a call's path. Web
// Crypto's `subtle.digest` is asynchronous (a promise and a microtask per key), so the pure-JS
// `@noble/hashes` does the hashing; see docs/decisions.md.
import { type _HMAC, hmac } from '@noble/hashes/hmac.js'
import { type _SHA256, sha256 } from '@noble/hashes/sha2.js'
import { encodeBase64Url } from './base64.ts'

const encoder = new TextEncoder()
// One scratch buffer for the UTF-8 of the text being hashed: `encodeInto` a reused buffer
// costs a fraction of `encode`'s fresh array. Only used synchronously, so never shared; wiped
// after each use, as it may hold a credential. Longer texts get their own array.
const SCRATCH_BYTES = 4096
const scratch = new Uint8Array(SCRATCH_BYTES)
const digestBytes = new Uint8Array(32)

/** Feeds `text`'s UTF-8 to `hash`. */
function absorb(hash: { update(bytes: Uint8Array): unknown }, text: string): void {
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  if (text.length * 3 > SCRATCH_BYTES) {
    hash.update(encoder.encode(text))
    return
  }
  const { written } = encoder.encodeInto(text, scratch)
  hash.update(scratch.subarray(0, written))
  scratch.fill(0, 0, written)
}

// A fresh SHA-256 state, copied into a reused instance per digest rather than allocated.
const initial = sha256.create()
const working = sha256.create()

/** The SHA-256 of `text`'s UTF-8, as unpadded base64url (43 characters). */
export function sha256Base64Url(text: string): string {
  absorb(initial._cloneInto(working), text)
  working.digestInto(digestBytes)
  return encodeBase64Url(digestBytes)
}

/**
 * HMAC-SHA256 under one key. The key's inner and outer pads are hashed once, here; each
 * `digest` copies that state into a reused instance rather than keying afresh.
 */
export class KeyedHash {
  readonly #keyed: _HMAC<_SHA256>
  readonly #working: _HMAC<_SHA256>

  constructor(key: Uint8Array) {
    this.#keyed = hmac.create(sha256, key)
    this.#working = this.#keyed.clone()
  }

  /** The HMAC of `text`'s UTF-8, as unpadded base64url of its first `bytes` bytes (at most 32). */
  digest(text: string, bytes = 32): string {
    absorb(this.#keyed._cloneInto(this.#working), text)
    this.#working.digestInto(digestBytes)
    return encodeBase64Url(digestBytes.subarray(0, bytes))
  }
}
