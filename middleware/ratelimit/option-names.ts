import type { RequestOptions } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { refuseReplacedCallbacks } from '../shared/replaced-callbacks.ts'
import type { GroupLimits, RateLimitOptions } from './options.ts'

const RATE_LIMIT_OPTIONS = optionNames<RateLimitOptions>()([
  'perSecond',
  'perMinute',
  'perHour',
  'concurrency',
  'adaptiveConcurrency',
  'maxQueue',
  'groups',
  'group',
  'shared',
  'maxWait',
])
const GROUP_OPTIONS = optionNames<GroupLimits>()([
  'perSecond',
  'perMinute',
  'perHour',
  'concurrency',
  'adaptiveConcurrency',
  'maxQueue',
  'sharesQuotaWith',
])

/** The per-call options `rateLimit()` reads (its `callOptions`). */
export const RATE_LIMIT_CALL_OPTIONS = ['priority'] as const satisfies readonly (keyof RequestOptions)[]

/** Refuses an option that `rateLimit()`, or one of its `groups`, does not have. */
export function rejectUnknownRateLimitOptions(options: RateLimitOptions): void {
  refuseReplacedCallbacks('rateLimit()', options)
  rejectUnknownOptions('rateLimit()', options, RATE_LIMIT_OPTIONS)
  const { groups } = options
  if (typeof groups !== 'object' || groups === null) return
  for (const [name, limits] of Object.entries(groups)) {
    rejectUnknownOptions(`rateLimit() group '${name}'`, limits, GROUP_OPTIONS)
  }
}
