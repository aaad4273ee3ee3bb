import { describe, expect, it } from 'vitest'
import { backoff, rateLimitReset, retryAfter } from '../../middleware/retry/delay.ts'
import { retrySettings } from '../../middleware/retry/options.ts'
import { ConfigError } from '../../src/index.ts'

const now = Date.UTC(2026, 0, 1, 0, 0, 0)

describe('Retry-After', () => {
  it('reads delta-seconds and HTTP-dates', () => {
    expect(retryAfter('2', now)).toBe(2000)
    expect(retryAfter(' 0 ', now)).toBe(0)
    expect(retryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000)
    expect(retryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0)
  })

  it('ignores values that are neither', () => {
    for (const value of ['-1', '1.5', 'soon', '2026-01-01T00:00:05Z', null])
      expect(retryAfter(value, now)).toBeUndefined()
  })
})

describe('rate-limit resets', () => {
  it('reads the IETF RateLimit field, RateLimit-Reset and X-RateLimit-Reset when exhausted', () => {
    expect(rateLimitReset(new Headers({ ratelimit: '"default";r=0;t=7' }), now)).toBe(7000)
    expect(rateLimitReset(new Headers({ ratelimit: 'limit=10, remaining=0, reset=3' }), now)).toBe(3000)
    expect(rateLimitReset(new Headers({ 'ratelimit-remaining': '0', 'ratelimit-reset': '4' }), now)).toBe(4000)
    const github = new Headers({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 9) })
    expect(rateLimitReset(github, now)).toBe(9000)
  })

  it('says nothing while the limit is not exhausted', () => {
    expect(rateLimitReset(new Headers({ ratelimit: '"default";r=5;t=7' }), now)).toBeUndefined()
    expect(rateLimitReset(new Headers({ 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '1' }), now)).toBeUndefined()
  })
})

describe('backoff', () => {
  it('draws a full-jitter wait under an exponentially growing ceiling, capped', () => {
    const settings = retrySettings({ minDelay: 100, maxDelay: 1000, factor: 2 })
    for (let retry = 1; retry <= 6; retry++) {
      const ceiling = Math.min(1000, 100 * 2 ** (retry - 1))
      const waits = Array.from({ length: 200 }, () => backoff(retry, settings))
      expect(Math.min(...waits)).toBeGreaterThanOrEqual(0)
      expect(Math.max(...waits)).toBeLessThanOrEqual(ceiling)
      expect(Math.max(...waits)).toBeGreaterThan(ceiling / 2)
    }
  })
})

describe('options', () => {
  it('refuses bad values with a ConfigError naming the option', () => {
    expect(() => retrySettings({ retries: -1 })).toThrow(ConfigError)
    expect(() => retrySettings({ retries: 1.5 })).toThrow(/retries/)
    expect(() => retrySettings({ minDelay: 500, maxDelay: 100 })).toThrow(/maxDelay/)
    expect(() => retrySettings({ factor: 0.5 })).toThrow(/factor/)
    expect(() => retrySettings({ budget: { ratio: -1 } })).toThrow(/budget.ratio/)
  })
})
