import type Keyv from 'keyv'
import type { Client } from '../../src/index.ts'
import type { GlobalOptions } from '../args.ts'
import type { Log } from '../log.ts'
import type { Output } from '../output.ts'

/** What a command runs with. */
export interface CommandContext {
  readonly global: GlobalOptions
  readonly env: NodeJS.ProcessEnv
  /** The persistent cache, or `undefined` for none (`--no-cache`, or no `node:sqlite` in this Node). */
  readonly store: Keyv | undefined
  readonly output: Output
  readonly log: Log
}

/**
 * The longest a command waits for a rate limit to reset before it gives up with exit code 4
 * and the reset time: a command line should not sit silent for GitHub's hour-long windows.
 */
export const MAX_WAIT_MS = 15_000

/**
 * The fetch cache mode of `ply github` and `ply get`: revalidate what is stored, so a repeat
 * prints what is true now and costs a 304 where the server sends validators (GitHub's 304s
 * spend no quota). `ply weather` keeps the default mode instead: OpenWeatherMap sends no
 * validators, so revalidating would refetch every time; its preset's 10-minute TTL serves a
 * repeat from the cache, without a request or quota.
 */
export const REVALIDATE = 'no-cache' satisfies RequestCache

/**
 * With `--verbose`: one line per call as it settles (method, redacted URL, status or error,
 * what the cache did, attempts, time and the part of it spent waiting for a rate limit) and one
 * per retry or rate-limit wait, from the client's events. Without it, nothing listens and the
 * client stays silent.
 */
export function watch(client: Client, log: Log): void {
  if (!log.verbose) return
  client.on('retry', (event) => {
    const what = event.status === undefined ? (event.error?.name ?? 'a failure') : `HTTP ${event.status}`
    log.detail(`attempt ${event.attempt} failed (${what}); retrying in ${Math.round(event.delayMs)} ms`)
  })
  client.on('rateLimited', (event) => {
    // A wait for a concurrency slot, or behind other queued calls, has no schedule (waitMs 0):
    // the call's line says how long it was once it settles.
    const wait =
      event.waitMs > 0
        ? `${Math.round(event.waitMs)} ms`
        : event.reason === 'concurrency'
          ? 'for a free slot'
          : 'for its turn'
    log.detail(`waiting ${wait} for the rate limit (${event.reason})`)
  })
  client.on('response', (event) => {
    const outcome = event.status === undefined ? (event.error?.name ?? 'no response') : String(event.status)
    const attempts = `${event.attempts} attempt${event.attempts === 1 ? '' : 's'}`
    const waited = Math.round(event.rateLimitWaitMs)
    const ms = `${Math.round(event.durationMs)} ms${waited > 0 ? `, ${waited} ms of it waiting for the rate limit` : ''}`
    log.line(`${event.method} ${event.url} → ${outcome} (cache ${event.cacheStatus}, ${attempts}, ${ms})`)
  })
}
