import { ConfigError, type Context, type Middleware } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { checkCredential, pinSecret, resolveCredential } from './credential.ts'
import { OriginBinding, type OriginOptions } from './origins.ts'
import { type CredentialSource, credentialScope, declareScope, EarlyCredentials, markCredential } from './scope.ts'

/** Options of `auth.bearer()`. */
export interface BearerOptions extends OriginOptions {
  /**
   * A stable name for the identity behind a rotating token (a user or app id), so that caches
   * keep one partition across rotations; by default the scope is the token itself (hashed).
   */
  scope?: string
}

const BEARER_OPTIONS = optionNames<BearerOptions>()(['scope', 'origins', 'crossOrigin'])

/**
 * Bearer authentication (RFC 6750): `Authorization: Bearer <token>` on every attempt. `token`
 * is a string, or a (possibly async) function called for each attempt, so rotating tokens
 * work. An empty token, or one with a line break, is a `ConfigError`.
 *
 * The token goes only to the origin of the client's `baseUrl`, or to `origins` when given; a
 * call to any other origin is refused with a `ConfigError` before anything is sent, or sent
 * without the token with `crossOrigin: 'unsigned'`. A client without a `baseUrl` needs
 * `origins`.
 *
 * @example
 * createClient({ baseUrl: 'https://api.example.com' }).use(auth.bearer(process.env.API_TOKEN!))
 */
export function bearer(token: CredentialSource, options: BearerOptions = {}): Middleware {
  if (typeof options !== 'object' || options === null) throw new ConfigError('auth.bearer(): options must be an object')
  rejectUnknownOptions('auth.bearer()', options, BEARER_OPTIONS)
  if (options.scope !== undefined && (typeof options.scope !== 'string' || options.scope === '')) {
    throw new ConfigError('auth.bearer(): scope must be a non-empty string')
  }
  checkCredential(token, 'the bearer token')
  const binding = new OriginBinding('auth.bearer()', (list) => `auth.bearer(token, { origins: ${list} })`, options)
  const fixedScope = options.scope ?? (typeof token === 'string' ? token : undefined)
  const scope = fixedScope === undefined ? undefined : credentialScope('bearer', fixedScope)
  const early = new EarlyCredentials()
  const sign = (ctx: Context, value: string): void => {
    ctx.request.headers.set('authorization', `Bearer ${value}`)
    markCredential(ctx, scope ?? credentialScope('bearer', value), { header: 'authorization' })
  }
  const middleware: Middleware = (ctx, next) => {
    if (!binding.signs(ctx)) return next()
    // A fixed token signs at once; a token function is asked per attempt.
    if (typeof token === 'string') {
      sign(ctx, token)
      return next()
    }
    const kept = early.take(ctx)
    if (kept !== undefined) {
      sign(ctx, kept)
      return next()
    }
    return resolveCredential(token, 'the bearer token').then((value) => {
      sign(ctx, value)
      return next()
    })
  }
  pinSecret(token, middleware)
  middleware.phase = 'sign'
  middleware.displayName = 'auth.bearer()'
  return declareScope(middleware, binding, (ctx) => {
    if (scope !== undefined) return scope
    return resolveCredential(token, 'the bearer token').then((value) => {
      early.keep(ctx, value)
      return credentialScope('bearer', value)
    })
  })
}
