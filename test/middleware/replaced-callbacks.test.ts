import { describe, expect, it } from 'vitest'
import { rateLimit, retry } from '../../middleware/index.ts'
import { github, openWeatherMap } from '../../presets/index.ts'
import { ConfigError } from '../../src/index.ts'

// One channel per fact: the callbacks that duplicated the client's events are refused with
// what to write instead, and the events carry what the callbacks did.

describe('the retired callback options', () => {
  const cases: [string, () => unknown, string][] = [
    [
      'retry({ onRetry })',
      () => retry({ onRetry: () => {} } as never),
      "retry(): onRetry is gone; listen to the client's 'retry' event",
    ],
    [
      'rateLimit({ onLimited })',
      () => rateLimit({ onLimited: () => {} } as never),
      "rateLimit(): onLimited is gone; listen to the client's 'rateLimited' event",
    ],
    ['github({ onRetry })', () => github({ onRetry: () => {} } as never), 'github(): onRetry is gone'],
    [
      'openWeatherMap({ onLimited })',
      () => openWeatherMap({ apiKey: 'k', onLimited: () => {} } as never),
      'openWeatherMap(): onLimited is gone',
    ],
  ]
  it.each(cases)('%s is a ConfigError that names the event to listen to', (_, make, message) => {
    expect(make).toThrow(ConfigError)
    expect(make).toThrow(message)
  })
})
