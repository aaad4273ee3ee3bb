import { createHash, createHmac, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import * as middleware from '../../middleware/index.ts'
import * as kit from '../../middleware/kit.ts'
import {
  credentialScope,
  decodeBase64,
  encodeBase64,
  encodeBase64Text,
  setCredentialScopeKey,
  sha256Base64Url,
} from '../../middleware/kit.ts'
import * as core from '../../src/index.ts'

// What Node's Buffer and crypto wrote before the core stopped using them: entries, keys and
// scopes written then must read back and match now.
const bufferBase64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
const TEXTS = ['', 'a', 'ab', 'abc', 'jörg:pässwörd', 'emoji 😀 and \0 and ☃', 'x'.repeat(1500), 'ü'.repeat(2000)]

describe('base64 without Buffer', () => {
  it('encodes every length and every byte value as Buffer did, across the chunk size', () => {
    for (const length of [0, 1, 2, 3, 4, 5, 255, 256, 0x8000 - 1, 0x8000, 0x8000 + 1, 100_000]) {
      const bytes = new Uint8Array(randomBytes(length))
      expect(encodeBase64(bytes)).toBe(bufferBase64(bytes))
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    expect(encodeBase64(all)).toBe(bufferBase64(all))
    // A view into a larger buffer encodes only its own bytes.
    expect(encodeBase64(all.subarray(10, 20))).toBe(bufferBase64(all.subarray(10, 20)))
  })

  it('encodes text as UTF-8 first, as HTTP Basic credentials need', () => {
    for (const text of TEXTS) expect(encodeBase64Text(text)).toBe(Buffer.from(text, 'utf8').toString('base64'))
  })

  it('decodes what Buffer wrote back to the same bytes', () => {
    for (const length of [0, 1, 2, 3, 256, 70_000]) {
      const bytes = new Uint8Array(randomBytes(length))
      expect(decodeBase64(bufferBase64(bytes))).toEqual(bytes)
    }
    expect(decodeBase64('YQ')).toEqual(new Uint8Array([97]))
  })

  it('refuses what is not base64 with a SyntaxError, rather than skipping characters', () => {
    for (const damaged of ['not base64!', 'YQ=a', 'Y', '€€€€']) expect(() => decodeBase64(damaged)).toThrow(SyntaxError)
  })
})

describe('hashes without node:crypto', () => {
  it('sha256Base64Url is the SHA-256 of the UTF-8, as unpadded base64url, as Keyv store keys were', () => {
    for (const text of [...TEXTS, 'x'.repeat(55), 'x'.repeat(56), 'x'.repeat(64)]) {
      expect(sha256Base64Url(text)).toBe(createHash('sha256').update(text, 'utf8').digest('base64url'))
    }
  })

  it('credentialScope is the HMAC-SHA256 under the shared key, so processes on either side of the change agree', () => {
    const key = randomBytes(32).toString('base64url')
    setCredentialScopeKey(key)
    const expected = (scheme: string, credential: string) =>
      `${scheme}:${createHmac('sha256', Buffer.from(key, 'utf8')).update(`${scheme}\0${credential}`).digest('base64url').slice(0, 22)}`
    for (const text of TEXTS) expect(credentialScope('bearer', text)).toBe(expected('bearer', text))
    // The same scope on every call: the keyed state is copied, never consumed.
    expect(credentialScope('basic', 'a:b')).toBe(credentialScope('basic', 'a:b'))
    expect(credentialScope('basic', 'a:b')).not.toBe(credentialScope('basic', 'a:c'))
  })

  it('a key given as bytes counts its bytes; a key under 32 bytes is refused', () => {
    const key = new Uint8Array(randomBytes(40))
    setCredentialScopeKey(key)
    const expected = `apikey:${createHmac('sha256', key).update('apikey\0k').digest('base64url').slice(0, 22)}`
    expect(credentialScope('apikey', 'k')).toBe(expected)
    // The key is copied: changing the caller's array later changes nothing.
    key.fill(0)
    expect(credentialScope('apikey', 'k')).toBe(expected)
    expect(() => setCredentialScopeKey(new Uint8Array(31))).toThrow(RangeError)
    expect(() => setCredentialScopeKey('é'.repeat(15))).toThrow(RangeError)
    expect(() => setCredentialScopeKey('é'.repeat(16))).not.toThrow()
  })
})

describe('where the helpers are exported', () => {
  // Only middlewares (and presets) hash, encode and read HTTP dates: the core, which a browser
  // may load alone, carries neither @noble/hashes nor these helpers. They are for middleware
  // authors, so they are in ply-http/kit, and a name is exported from one entry only.
  it('from ply-http/kit, and neither from the core nor from ply-http/middleware', () => {
    const names = ['credentialScope', 'setCredentialScopeKey', 'sha256Base64Url', 'parseHttpDate', 'unlessAborted']
    for (const name of [...names, 'decodeBase64', 'encodeBase64', 'encodeBase64Text']) {
      expect(name in kit, name).toBe(true)
      expect(name in middleware, name).toBe(false)
      expect(name in core, name).toBe(false)
    }
  })
})
