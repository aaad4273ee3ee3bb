import type Keyv from 'keyv'
import type { Client } from '../../src/index.ts'
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

/**
 * With `--verbose`: one line per call as it settles (method, redacted URL, status or error,
 * what the cache did, attempts, time) and one per retry or rate-limit wait, from the client's
 * events. Without it, nothing listens and the client stays silent.
 */
export function watch(client: Client, log: Log): void {
  if (!log.verbose) return
  client.on('retry', (event) => {
    const what = event.status === undefined ? (event.error?.name ?? 'a failure') : `HTTP ${event.status}`
    log.detail(`attempt ${event.attempt} failed (${what}); retrying in ${Math.round(event.delayMs)} ms`)
  })
  client.on('rateLimited', (event) => {
    log.detail(`waiting ${Math.round(event.waitMs)} ms for the rate limit (${event.reason})`)
  })
  client.on('response', (event) => {
    const outcome = event.status === undefined ? (event.error?.name ?? 'no response') : String(event.status)
    const attempts = `${event.attempts} attempt${event.attempts === 1 ? '' : 's'}`
    const ms = `${Math.round(event.durationMs)} ms`
    log.line(`${event.method} ${event.url} → ${outcome} (cache ${event.cacheStatus}, ${attempts}, ${ms})`)
  })
}
