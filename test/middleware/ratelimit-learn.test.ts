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
      limit: 100,
      remaining: 3,
      resetAt: now + 10_000,
      policies: [{ limit: 100, windowMs: 60_000 }],
    })
    expect(
      observe(response({ 'ratelimit-limit': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '5' }), now),
    ).toEqual({
      limit: 10,
      remaining: 0,
      resetAt: now + 5_000,
    })
    expect(observe(response({ 'ratelimit-policy': '100;w=3600' }), now)).toEqual({
      policies: [{ limit: 100, windowMs: 3_600_000 }],
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

describe('observe(): several quotas in one field', () => {
  it('reads every item of RateLimit and keeps to the tightest: any spent quota pauses until its reset', () => {
    expect(observe(response({ ratelimit: '"burst";r=5;t=1, "daily";r=0;t=3600' }), now)).toEqual({
      remaining: 0,
      resetAt: now + 3_600_000,
    })
    // Two spent: the later reset holds.
    expect(observe(response({ ratelimit: '"daily";r=0;t=3600, "burst";r=0;t=1' }), now)).toEqual({
      remaining: 0,
      resetAt: now + 3_600_000,
    })
    // None spent: the one with the least left per second until its reset.
    expect(observe(response({ ratelimit: '"burst";r=5;t=1, "hourly";r=100;t=3600' }), now)).toEqual({
      remaining: 100,
      resetAt: now + 3_600_000,
    })
  })

  it('takes a quota name with a comma or a semicolon in its quotes as one item', () => {
    expect(observe(response({ ratelimit: '"a,b;r=9";r=0;t=7, "c";r=50;t=60' }), now)).toEqual({
      remaining: 0,
      resetAt: now + 7_000,
    })
  })

  it('reads the older dictionary form of RateLimit as one quota', () => {
    expect(observe(response({ ratelimit: 'limit=10, remaining=0, reset=5' }), now)).toEqual({
      limit: 10,
      remaining: 0,
      resetAt: now + 5_000,
    })
  })

  it('takes the limit of the quota it keeps to from the RateLimit-Policy item of the same name', () => {
    expect(
      observe(
        response({
          ratelimit: '"burst";r=5;t=1, "daily";r=0;t=3600',
          'ratelimit-policy': '"burst";q=10;w=1, "daily";q=1000;w=86400',
        }),
        now,
      ),
    ).toEqual({
      limit: 1000,
      remaining: 0,
      resetAt: now + 3_600_000,
      policies: [
        { limit: 10, windowMs: 1_000 },
        { limit: 1000, windowMs: 86_400_000 },
      ],
    })
  })

  it('learns every policy of RateLimit-Policy, and ignores items it cannot use', () => {
    expect(observe(response({ 'ratelimit-policy': '10;w=1, 1000;w=3600' }), now)).toEqual({
      policies: [
        { limit: 10, windowMs: 1_000 },
        { limit: 1000, windowMs: 3_600_000 },
      ],
    })
    expect(observe(response({ 'ratelimit-policy': '"zero";q=0;w=1, "nowindow";q=5, "ok";q=3;w=2' }), now)).toEqual({
      policies: [{ limit: 3, windowMs: 2_000 }],
    })
  })
})

describe('observe(): Retry-After', () => {
  const retryAfter = (value: string) => observe(response({ 'retry-after': value }, 429), now)

  it('takes delta-seconds and the three HTTP-date forms', () => {
    expect(retryAfter(' 2 ')).toEqual({ retryAt: now + 2_000 })
    expect(retryAfter('Mon, 01 Jun 2026 00:00:03 GMT')).toEqual({ retryAt: now + 3_000 })
    expect(retryAfter('Monday, 01-Jun-26 00:00:03 GMT')).toEqual({ retryAt: now + 3_000 })
    expect(retryAfter('Mon Jun  1 00:00:03 2026')).toEqual({ retryAt: now + 3_000 })
  })

  it('ignores what only a lenient date parser would take', () => {
    for (const value of [
      '2030-01-01',
      '2030-01-01T00:00:00Z',
      'Jan 1 2030',
      '1.5',
      '-1',
      'Mon, 31 Feb 2026 00:00:03 GMT',
      'Mon, 01 Jun 2026 00:00:03 +0000',
      'soon',
    ]) {
      expect(retryAfter(value), value).toEqual({})
    }
  })
})
