import { ConfigError, type Middleware } from '../../src/index.ts'
import { optionNames, registerSecret, rejectUnknownOptions } from '../../src/kit.ts'
import { encodeBase64Text } from '../shared/base64.ts'
import { OriginBinding, type OriginOptions } from './origins.ts'
import { credentialScope, declareScope, markCredential } from './scope.ts'

/** Options of `auth.basic()`: where the credentials may go. */
export type BasicOptions = OriginOptions

const BASIC_OPTIONS = optionNames<BasicOptions>()(['origins', 'crossOrigin'])

/**
 * Basic authentication (RFC 7617): `Authorization: Basic base64(utf8(user ":" password))`
 * on every attempt. The user name must be non-empty and cannot contain a colon (the format
 * could not tell where it ends); the password may be empty (APIs that take a key as the user
 * name). Neither may hold control characters (RFC 7617 §2).
 *
 * The credentials go only to the origin of the client's `baseUrl`, or to `options.origins`
 * when given; a call to any other origin is refused with a `ConfigError` before anything is
 * sent, or sent without them with `crossOrigin: 'unsigned'`.
 */
export function basic(username: string, password: string, options: BasicOptions = {}): Middleware {
  if (typeof options !== 'object' || options === null) throw new ConfigError('auth.basic(): options must be an object')
  rejectUnknownOptions('auth.basic()', options, BASIC_OPTIONS)
  if (typeof username !== 'string' || username === '') throw new ConfigError('the Basic auth user name is empty')
  if (username.includes(':')) throw new ConfigError('the Basic auth user name contains a colon, which RFC 7617 forbids')
  if (typeof password !== 'string') throw new ConfigError('the Basic auth password must be a string')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\x00-\x1f\x7f]/.test(username + password)) {
    throw new ConfigError('the Basic auth user name or password contains a control character')
  }
  const binding = new OriginBinding(
    'auth.basic()',
    (list) => `auth.basic(username, password, { origins: ${list} })`,
    options,
  )
  const encoded = encodeBase64Text(`${username}:${password}`)
  const header = `Basic ${encoded}`
  const scope = credentialScope('basic', `${username}:${password}`)
  const middleware: Middleware = async (ctx, next) => {
    if (!binding.signs(ctx)) return next()
    ctx.request.headers.set('authorization', header)
    markCredential(ctx, scope, { header: 'authorization' })
    await next()
  }
  // Pinned while the middleware lives (an empty password registers nothing).
  registerSecret(password, { owner: middleware })
  registerSecret(encoded, { owner: middleware })
  middleware.phase = 'sign'
  middleware.displayName = 'auth.basic()'
  return declareScope(middleware, binding, () => scope)
}
