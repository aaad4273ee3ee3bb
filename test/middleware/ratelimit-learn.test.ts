import { describe, expect, it } from 'vitest'
import { observe } from '../../middleware/ratelimit/learn.ts'

const now = Date.UTC(2026, 5, 1)
const response = (headers: Record<string, string>, status = 200) => new Response(null, { status, headers })

describe('observe()', () => {
  it('reads GitHub-style X-RateLimit-* (reset in epoch seconds)', () => {
    const seen = observe(
      response({
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(now / 1000 + 60),
      }),
      now,
    )
    expect(seen).toEqual({ limit: 5000, remaining: 4999, resetAt: now + 60_000 })
  })

  it('reads the IETF RateLimit and RateLimit-Policy fields, structured and older forms', () => {
    expect(
      observe(response({ ratelimit: '"default";r=3;t=10', 'ratelimit-policy': '"default";q=100;w=60' }), now),
    ).toEqual({
      remaining: 3,
      resetAt: now + 10_000,
      policy: { limit: 100, windowMs: 60_000 },
    })
    expect(
      observe(response({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '5' }), now),
    ).toEqual({
      limit: 10,
      remaining: 0,
      resetAt: now + 5_000,
    })
    expect(observe(response({ 'ratelimit-policy': '100;w=3600' }), now)).toEqual({
      policy: { limit: 100, windowMs: 3_600_000 },
    })
  })

  it('reads Retry-After on a 429, 503 or 403 (a secondary rate limit) only', () => {
    expect(observe(response({ 'retry-after': '2' }, 429), now)).toEqual({ retryAt: now + 2_000 })
    expect(observe(response({ 'retry-after': 'Mon, 01 Jun 2026 00:00:03 GMT' }, 503), now)).toEqual({
      retryAt: now + 3_000,
    })
    expect(observe(response({ 'retry-after': '60' }, 403), now)).toEqual({ retryAt: now + 60_000 })
    expect(observe(response({ 'retry-after': '2' }, 200), now)).toEqual({})
    expect(observe(response({ 'retry-after': '2' }, 404), now)).toEqual({})
  })

  it('ignores values that are not whole numbers', () => {
    expect(observe(response({ 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': '-1' }), now)).toEqual({})
  })
})
