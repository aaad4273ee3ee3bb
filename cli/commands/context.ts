import type Keyv from 'keyv'
import type { Calls } from '../calls.ts'
import type { GlobalOptions } from '../global-options.ts'
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
  /** Tells what the command's clients do (`calls.watch(client)`), and keeps the last failed call. */
  readonly calls: Calls
}

/** Retries after a failed first attempt when `--retries` is not given: the library's default. */
export const DEFAULT_RETRIES = 2

/** The preset options `--timeout` and `--retries` set, when given. */
export function attemptOptions(global: GlobalOptions): { timeout?: number; retry?: { retries: number } } {
  return {
    ...(global.timeoutMs === undefined ? {} : { timeout: global.timeoutMs }),
    ...(global.retries === undefined ? {} : { retry: { retries: global.retries } }),
  }
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
