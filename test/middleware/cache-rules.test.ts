import { describe, expect, it } from 'vitest'
import { deltaSeconds, parseDirectives } from '../../middleware/cache/directives.ts'
import { assess, type FreshnessSettings } from '../../middleware/cache/freshness.ts'
import { parseHttpDate } from '../../middleware/kit.ts'

describe('parseHttpDate', () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37)

  it('reads the three forms RFC 9110 §5.6.7 allows', () => {
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(expected)
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(expected)
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(expected)
  })

  it('refuses what Date.parse would guess at', () => {
    for (const value of [
      '0',
      '-1',
      '2030-01-01',
      'tomorrow',
      'Sun, 31 Feb 2026 00:00:00 GMT',
      'Sun, 06 Nov 1994 25:00:00 GMT',
      '',
    ]) {
      expect(parseHttpDate(value), value).toBeUndefined()
    }
  })
})

describe('Cache-Control directives', () => {
  it('lower-cases names, unquotes values, keeps the first of a repeated directive', () => {
    const directives = parseDirectives('No-CaChE, MAX-AGE=60, private="Set-Cookie, X-A", max-age=5')
    expect(directives.get('no-cache')).toBe(true)
    expect(deltaSeconds(directives, 'max-age')).toBe(60)
    expect(directives.get('private')).toBe('Set-Cookie, X-A')
  })

  it('marks an invalid delta-seconds as null and caps huge ones at 2^31', () => {
    expect(deltaSeconds(parseDirectives('max-age=1.5'), 'max-age')).toBeNull()
    expect(deltaSeconds(parseDirectives('max-age'), 'max-age')).toBeNull()
    expect(deltaSeconds(parseDirectives('max-age=99999999999'), 'max-age')).toBe(2_147_483_648)
    expect(deltaSeconds(parseDirectives(''), 'max-age')).toBeUndefined()
  })
})

describe('assess', () => {
  const now = Date.UTC(2026, 10, 24, 12)
  const settings: FreshnessSettings = { shared: false, ttl: undefined, staleWhileRevalidate: 0, staleIfError: 0 }
  const judge = (headers: Record<string, string>, status = 200, more: Partial<FreshnessSettings> = {}) =>
    assess(
      {
        method: 'GET',
        status,
        headers: new Headers(headers),
        requestDirectives: new Map(),
        credentialed: false,
        requestTime: now,
        responseTime: now,
      },
      { ...settings, ...more },
    )

  it('takes the lifetime from max-age, or Expires minus Date', () => {
    expect(judge({ 'cache-control': 'max-age=60' })?.lifetime).toBe(60)
    const date = new Date(now).toUTCString()
    expect(judge({ date, expires: new Date(now + 90_000).toUTCString() })?.lifetime).toBe(90)
  })

  it('treats an invalid max-age as stale', () => {
    expect(judge({ 'cache-control': 'max-age=abc' })?.lifetime).toBe(0)
  })

  it('uses 10% of the time since Last-Modified as heuristic freshness', () => {
    const lastModified = new Date(now - 1000_000).toUTCString()
    expect(judge({ date: new Date(now).toUTCString(), 'last-modified': lastModified })?.lifetime).toBe(100)
  })

  it('works out the initial age from Age and from the apparent age', () => {
    expect(judge({ 'cache-control': 'max-age=60', age: '20' })?.initialAge).toBe(20)
    expect(judge({ 'cache-control': 'max-age=60', date: new Date(now - 30_000).toUTCString() })?.initialAge).toBe(30)
  })

  it('refuses no-store, Vary: *, 206 and 304, and private in a shared cache', () => {
    expect(judge({ 'cache-control': 'no-store' })).toBeUndefined()
    expect(judge({ 'cache-control': 'max-age=60', vary: 'Accept, *' })).toBeUndefined()
    expect(judge({ 'cache-control': 'max-age=60' }, 206)).toBeUndefined()
    expect(judge({ 'cache-control': 'max-age=60' }, 304)).toBeUndefined()
    expect(judge({ 'cache-control': 'private, max-age=60' }, 200, { shared: true })).toBeUndefined()
  })

  it('applies ttl only to 2xx responses without explicit freshness, and never over no-cache', () => {
    expect(judge({}, 200, { ttl: 600 })?.lifetime).toBe(600)
    expect(judge({ 'cache-control': 'max-age=5' }, 200, { ttl: 600 })?.lifetime).toBe(5)
    expect(judge({ 'cache-control': 'no-cache' }, 200, { ttl: 600 })).toMatchObject({ lifetime: 0, noCache: true })
    expect(judge({}, 500, { ttl: 600 })).toBeUndefined()
  })

  it('takes the larger of the server stale windows and the configured ones', () => {
    const windows = judge({ 'cache-control': 'max-age=1, stale-while-revalidate=30, stale-if-error=5' }, 200, {
      staleIfError: 60,
    })
    expect(windows).toMatchObject({ staleWhileRevalidate: 30, staleIfError: 60, mustRevalidate: false })
  })
})
