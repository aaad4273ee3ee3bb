import { ConfigError, type Context, type RequestOptions } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'

/** Options of `dedupe()`. */
export interface DedupeOptions {
  /**
   * The methods whose requests may share a call, upper- or lower-case. Default `['GET', 'HEAD']`.
   * Only the safe methods of RFC 9110 (GET, HEAD, OPTIONS, TRACE) are accepted: merging two
   * POSTs would send one where the caller asked for two, so any other method is a `ConfigError`.
   */
  methods?: readonly string[] | undefined
  /**
   * Request headers whose values must also match for two requests to share a call, on top of
   * the defaults (`Accept`, `Accept-Encoding`, `Accept-Language`, `Authorization`,
   * `Proxy-Authorization`, `Cookie`, `Range` and the conditional headers `If-Match`,
   * `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since`, `If-Range`). Add any header
   * that changes the answer, such as a tenant or an API version header.
   */
  headers?: readonly string[] | undefined
  /**
   * Replaces the default key. Called only for requests that may be merged (an accepted method,
   * no body); requests for which it returns the same string share a call, and `undefined`
   * means "do not merge this one". The string is hashed before use, so it may hold secrets.
   */
  key?: ((ctx: Context) => string | undefined) | undefined
}

declare module '../../src/index.ts' {
  interface RequestOptions {
    /** `false`: this call is never merged with another (a streamed download, a poll that must hit the server). */
    dedupe?: boolean | undefined
  }
  interface ContextState {
    /**
     * Set by `dedupe()` on a call that received another call's response instead of making
     * its own transport call (its `ctx.attempts` stays 0).
     */
    deduplicated?: boolean | undefined
  }
}

const DEDUPE_OPTIONS = optionNames<DedupeOptions>()(['methods', 'headers', 'key'])
/** The per-call options `dedupe()` reads (its `callOptions`). */
export const DEDUPE_CALL_OPTIONS = ['dedupe'] as const satisfies readonly (keyof RequestOptions)[]
const DEFAULT_METHODS = ['GET', 'HEAD'] as const
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const DEFAULT_HEADERS = [
  'accept',
  'accept-encoding',
  'accept-language',
  'authorization',
  'proxy-authorization',
  'cookie',
  'range',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
] as const
const HEADER_NAME = /^[!#$%&'*+.^_`|~\dA-Za-z-]+$/

/** `DedupeOptions` checked and resolved once, when the middleware is built. */
export interface Settings {
  readonly methods: ReadonlySet<string>
  readonly headers: ReadonlySet<string>
  readonly key: ((ctx: Context) => string | undefined) | undefined
}

export function resolve(options: DedupeOptions): Settings {
  if (options === null || typeof options !== 'object') throw new ConfigError('dedupe() options must be an object')
  rejectUnknownOptions('dedupe()', options, DEDUPE_OPTIONS)
  const methods = new Set<string>()
  for (const method of list(options.methods, 'methods') ?? DEFAULT_METHODS) {
    const upper = method.toUpperCase()
    if (!SAFE_METHODS.has(upper)) {
      throw new ConfigError(
        `dedupe(): ${JSON.stringify(method)} cannot be merged; only the safe methods GET, HEAD, OPTIONS and TRACE can`,
      )
    }
    methods.add(upper)
  }
  // An empty list would quietly merge nothing.
  if (methods.size === 0)
    throw new ConfigError('dedupe(): methods must name at least one of GET, HEAD, OPTIONS and TRACE')
  const headers = new Set<string>(DEFAULT_HEADERS)
  for (const name of list(options.headers, 'headers') ?? []) {
    if (!HEADER_NAME.test(name)) throw new ConfigError(`dedupe(): ${JSON.stringify(name)} is not a valid header name`)
    headers.add(name.toLowerCase())
  }
  if (options.key !== undefined && typeof options.key !== 'function') {
    throw new ConfigError('dedupe(): key must be a function (ctx) => string | undefined')
  }
  return { methods, headers, key: options.key }
}

function list(value: unknown, name: string): readonly string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw new ConfigError(`dedupe(): ${name} must be an array of strings`)
  }
  return value
}
