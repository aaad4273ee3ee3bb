import type Keyv from 'keyv'
import type { LimitedEvent, RetryEvent } from '../../middleware/index.ts'
import type { GlobalOptions } from '../args.ts'
import type { Log } from '../log.ts'
import type { Output } from '../output.ts'

/** What a command runs with. */
export interface CommandContext {
  readonly global: GlobalOptions
  readonly env: NodeJS.ProcessEnv
  /** The persistent cache, or `undefined` for none (`--no-cache`, or `@keyv/sqlite` missing). */
  readonly store: Keyv | undefined
  readonly output: Output
  readonly log: Log
}

/**
 * The longest a command waits for a rate limit to reset before it gives up with exit code 4
 * and the reset time: a command line should not sit silent for GitHub's hour-long windows.
 */
export const MAX_WAIT_MS = 15_000

/** The fetch cache mode of every request: revalidate what is stored, so a repeat costs a 304. */
export const CACHE_MODE = 'no-cache' satisfies RequestCache

/** `--verbose` lines for the retries and rate-limit waits of a preset or a stack. */
export function waitReporters(log: Log): {
  onRetry: (event: RetryEvent) => void
  onLimited: (event: LimitedEvent) => void
} {
  return {
    onRetry: (event) => {
      const what = event.response ? `HTTP ${event.response.status}` : (event.error?.name ?? 'a failure')
      log.detail(`attempt ${event.attempt} failed (${what}); retrying in ${Math.round(event.delayMs)} ms`)
    },
    onLimited: (event) => {
      log.detail(`waiting ${Math.round(event.waitMs)} ms for the rate limit (${event.reason})`)
    },
  }
}
