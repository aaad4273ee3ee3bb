import type { CredentialSource, RetryOptions } from '../../middleware/index.ts'
import { refuseReplacedCallbacks } from '../../middleware/shared/replaced-callbacks.ts'
import { ConfigError } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { PRESET_OPTIONS, type PresetOptions } from '../shared/options.ts'

/** Options of `github()`. */
export interface GitHubOptions extends PresetOptions {
  /**
   * A token (personal access token, app installation token), or a (possibly async) function
   * returning one, called per attempt. Without it, GitHub allows 60 requests an hour.
   */
  token?: CredentialSource | undefined
  /** The API's root: `https://api.github.com` (default), or GitHub Enterprise's `https://HOST/api/v3`. */
  baseUrl?: string | undefined
  /** The `User-Agent` GitHub requires (default `ply`). Name your application. */
  userAgent?: string | undefined
  /** Sent as `X-GitHub-Api-Version` (default `2022-11-28`). */
  apiVersion?: string | undefined
  /** Requests in flight at once, outside search and mutations (default 10). */
  concurrency?: number | undefined
  /**
   * The longest ply waits for a rate limit to reset (the primary quota, a secondary limit's
   * `Retry-After`), in ms; a longer wait is a `RateLimitError` with the reset time at once.
   * A call's own `deadline` bounds it further. Default one hour, GitHub's longest window.
   */
  maxWait?: number | undefined
  /** Retry options on top of the preset's (2 retries, waits up to `maxWait`). */
  retry?: RetryOptions | undefined
}

/** The defaults `github()` fills in. */
export const GITHUB_DEFAULTS = {
  baseUrl: 'https://api.github.com',
  userAgent: 'ply-http',
  apiVersion: '2022-11-28',
  concurrency: 10,
  maxWait: 3_600_000,
} as const

const GITHUB_OPTIONS = optionNames<GitHubOptions>()([
  ...PRESET_OPTIONS,
  'token',
  'userAgent',
  'apiVersion',
  'concurrency',
  'maxWait',
  'retry',
])

/**
 * Checks the options that only `github()` has, and refuses one it does not know; the client
 * and the middlewares check the rest.
 */
export function checkGitHubOptions(options: GitHubOptions): void {
  if (typeof options !== 'object' || options === null) throw new ConfigError('github() options must be an object')
  refuseReplacedCallbacks('github()', options)
  rejectUnknownOptions('github()', options, GITHUB_OPTIONS)
  for (const name of ['userAgent', 'apiVersion'] as const) {
    const value = options[name]
    if (value !== undefined && (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value))) {
      throw new ConfigError(`github(): ${name} must be a non-empty single-line string`)
    }
  }
  const { maxWait } = options
  if (maxWait !== undefined && !(typeof maxWait === 'number' && maxWait >= 0 && maxWait <= 2_147_483_647)) {
    throw new ConfigError(`github(): maxWait must be a number of ms from 0 to 2147483647, got ${String(maxWait)}`)
  }
}
