// Base64 without Node's Buffer, so that the code runs in browsers and Deno-style runtimes too:
// `btoa`/`atob` for standard base64 (RFC 4648 §4, padded, as Buffer wrote it), a lookup
// table for the short unpadded base64url of digests.

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
// `String.fromCharCode(...chunk)` takes its bytes as arguments: chunks keep it under the
// engines' argument limits.
const CHUNK = 0x8000
const encoder = new TextEncoder()

/** `bytes` as standard base64 (`+`, `/`, `=` padding), the form `Buffer#toString('base64')` gives. */
export function encodeBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let start = 0; start < bytes.length; start += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(start, start + CHUNK))
  }
  return btoa(binary)
}

/** `text` as UTF-8, then standard base64: what HTTP Basic credentials are made of. */
export function encodeBase64Text(text: string): string {
  return encodeBase64(encoder.encode(text))
}

/**
 * The bytes of standard base64 `text` (padding optional, ASCII whitespace ignored, as `atob`
 * takes it). Anything else is a `SyntaxError`, never silently skipped.
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  let binary: string
  try {
    binary = atob(text)
  } catch {
    throw new SyntaxError('not a base64 string')
  }
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** `bytes` as unpadded base64url (RFC 4648 §5), for digests in keys and identifiers. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let text = ''
  let i = 0
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number)
    text += BASE64URL.charAt(n >> 18) + BASE64URL.charAt((n >> 12) & 63)
    text += BASE64URL.charAt((n >> 6) & 63) + BASE64URL.charAt(n & 63)
  }
  const rest = bytes.length - i
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0)
    text += BASE64URL.charAt(n >> 18) + BASE64URL.charAt((n >> 12) & 63)
    if (rest === 2) text += BASE64URL.charAt((n >> 6) & 63)
  }
  return text
}
