import type { RequestOptions } from './context.ts'
import { ConfigError } from './errors.ts'
import type { Middleware } from './middleware.ts'

/**
 * The per-call options the core reads: every option of `RequestOptions` that no middleware
 * adds. The options a middleware adds (`retry`, `priority`, `dedupe`, …) it declares in its
 * `callOptions`, and a client accepts them once that middleware is on it.
 */
export const CORE_CALL_OPTIONS = [
  'params',
  'query',
  'headers',
  'json',
  'form',
  'body',
  'timeout',
  'deadline',
  'signal',
  'throwHttpErrors',
  'schema',
  'cache',
] as const satisfies readonly (keyof RequestOptions)[]

/**
 * Adds the per-call option names `middleware` declares in its `callOptions` to `names`.
 * @throws ConfigError, naming `where`, when `callOptions` is not an array of non-empty strings.
 */
export function collectCallOptions(names: Set<string>, middleware: Middleware, where: string): void {
  const declared: unknown = middleware.callOptions
  if (declared === undefined) return
  if (!Array.isArray(declared) || !declared.every((name) => typeof name === 'string' && name !== '')) {
    throw new ConfigError(`${where}: the middleware's callOptions must be an array of option names`)
  }
  for (const name of declared) names.add(name)
}
