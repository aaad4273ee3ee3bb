import { ConfigError, type Middleware } from '../../src/index.ts'
import { optionNames, redactHeader, redactQueryParam, rejectUnknownOptions } from '../../src/kit.ts'
import { checkCredential, pinSecret, resolveCredential } from './credential.ts'
import { OriginBinding, type OriginOptions } from './origins.ts'
import { type CredentialSource, credentialScope, declareScope, EarlyCredentials, markCredential } from './scope.ts'

/** Where an API key goes: a header, or a query parameter (exactly one). */
export type ApiKeyPlacement = { header: string; query?: never } | { query: string; header?: never }

/** Options of `auth.apiKey()`: where the key goes on a request, and to which origins. */
export type ApiKeyOptions = ApiKeyPlacement & OriginOptions

const tokenName = /^[!#$%&'*+.^_`|~\dA-Za-z-]+$/
const API_KEY_OPTIONS = optionNames<ApiKeyOptions>()(['header', 'query', 'origins', 'crossOrigin'])

/**
 * An API key in a header (`{ header: 'X-API-Key' }`) or in a query parameter
 * (`{ query: 'appid' }`, as OpenWeatherMap wants), on every attempt. The name is registered
 * for redaction, so the key is masked in errors and logs, and it is removed on a redirect to
 * another origin. `value` is a string or a (possibly async) function called per attempt.
 *
 * The key goes only to the origin of the client's `baseUrl`, or to `options.origins` when
 * given; a call to any other origin is refused with a `ConfigError` before anything is sent,
 * or sent without the key with `crossOrigin: 'unsigned'`.
 */
export function apiKey(options: ApiKeyOptions, value: CredentialSource): Middleware {
  rejectUnknownOptions('auth.apiKey()', options, API_KEY_OPTIONS)
  const { header, query } = (options ?? {}) as { header?: unknown; query?: unknown }
  if ((header === undefined) === (query === undefined)) {
    throw new ConfigError('auth.apiKey takes exactly one of { header } and { query }')
  }
  if (header !== undefined && (typeof header !== 'string' || !tokenName.test(header))) {
    throw new ConfigError('auth.apiKey: the header name is not a valid header name')
  }
  if (query !== undefined && (typeof query !== 'string' || query === '')) {
    throw new ConfigError('auth.apiKey: the query parameter name is empty')
  }
  const carrier = header === undefined ? 'query' : 'header'
  checkCredential(value, 'the API key', carrier)
  const binding = new OriginBinding(
    'auth.apiKey()',
    (list) => `auth.apiKey({ ${carrier}: '${String(header ?? query)}', origins: ${list} }, key)`,
    options,
  )
  if (typeof header === 'string') redactHeader(header)
  if (typeof query === 'string') redactQueryParam(query)
  const fixedScope = typeof value === 'string' ? credentialScope('apikey', value) : undefined
  const early = new EarlyCredentials()
  const middleware: Middleware = async (ctx, next) => {
    if (!binding.signs(ctx)) return next()
    const key = early.take(ctx) ?? (await resolveCredential(value, 'the API key', carrier))
    if (typeof header === 'string') {
      ctx.request.headers.set(header, key)
      markCredential(ctx, fixedScope ?? credentialScope('apikey', key), { header })
    } else if (typeof query === 'string') {
      ctx.request.url.searchParams.set(query, key)
      markCredential(ctx, fixedScope ?? credentialScope('apikey', key), { query })
    }
    await next()
  }
  pinSecret(value, middleware)
  middleware.phase = 'sign'
  middleware.displayName = 'auth.apiKey()'
  return declareScope(middleware, binding, async (ctx) => {
    if (fixedScope !== undefined) return fixedScope
    const key = await resolveCredential(value, 'the API key', carrier)
    early.keep(ctx, key)
    return credentialScope('apikey', key)
  })
}
