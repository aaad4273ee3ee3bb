import { ConfigError } from '../../src/index.ts'

/** Callback options that became client events, and the event that replaced each. */
const REPLACED = { onRetry: 'retry', onLimited: 'rateLimited' } as const

/**
 * Refuses a callback option that is now a client event (`onRetry`, `onLimited`), saying how
 * to listen instead: one channel per fact, `client.on(event, listener)`.
 *
 * @throws {ConfigError} when `options` has one of them
 */
export function refuseReplacedCallbacks(where: string, options: unknown): void {
  if (typeof options !== 'object' || options === null) return
  for (const [name, event] of Object.entries(REPLACED)) {
    if (Object.hasOwn(options, name)) {
      throw new ConfigError(
        `${where}: ${name} is gone; listen to the client's '${event}' event: client.on('${event}', listener)`,
      )
    }
  }
}
