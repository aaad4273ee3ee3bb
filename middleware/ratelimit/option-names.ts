import { ConfigError, type RequestOptions } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { refuseReplacedCallbacks } from '../shared/replaced-callbacks.ts'
import type { GroupLimits, RateLimitOptions } from './options.ts'

/** The limits the default group and every named group take. */
const LIMITS = ['perSecond', 'perMinute', 'perHour', 'concurrency', 'adaptiveConcurrency', 'maxQueue'] as const

const RATE_LIMIT_OPTIONS = optionNames<RateLimitOptions>()([...LIMITS, 'groups', 'group', 'shared', 'maxWait'])
const GROUP_OPTIONS = optionNames<GroupLimits>()([...LIMITS, 'sharesQuotaWith'])

/** The per-call options `rateLimit()` reads (its `callOptions`). */
export const RATE_LIMIT_CALL_OPTIONS = ['priority', 'limitGroup'] as const satisfies readonly (keyof RequestOptions)[]

/**
 * What is wrong with a call's `priority` or `limitGroup`, if anything: a priority is a finite
 * number, a group `'default'` or one of `groups`.
 */
export function badCallOptions(call: Readonly<RequestOptions>, groups: Readonly<object>): ConfigError | undefined {
  const { priority, limitGroup } = call
  if (priority !== undefined && !(typeof priority === 'number' && Number.isFinite(priority))) {
    return new ConfigError(`rateLimit: a call's priority must be a finite number, got ${String(priority)}`)
  }
  if (limitGroup === undefined || limitGroup === 'default') return undefined
  if (typeof limitGroup === 'string' && Object.hasOwn(groups, limitGroup)) return undefined
  const known = ['default', ...Object.keys(groups)].map((name) => `'${name}'`).join(', ')
  return new ConfigError(`rateLimit: a call's limitGroup must be one of ${known}, got ${JSON.stringify(limitGroup)}`)
}

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
