import { type ApiKeyOptions, type ApiKeyPlacement, apiKey } from './api-key.ts'
import { type BasicOptions, basic } from './basic.ts'
import { type BearerOptions, bearer } from './bearer.ts'
import { type OAuth2Options, oauth2 } from './oauth2/index.ts'
import type { CredentialOrigins, OriginOptions } from './origins.ts'

/**
 * Authentication middlewares. Put them innermost (last `use()`), next to the transport, so
 * that every attempt, replays by an outer retry included, is signed afresh. Each records the
 * credential's opaque scope in `ctx.state.credentialScope` and registers its secrets for
 * redaction.
 *
 * Each credential is bound to origins: the origin of the calling client's `baseUrl`, or the
 * `origins` option. A call to another origin is refused before anything is sent (a
 * `ConfigError`), or sent without the credential with `crossOrigin: 'unsigned'`.
 */
export const auth = { bearer, basic, apiKey, oauth2 } as const

export { type CredentialSource, credentialScope, setCredentialScopeKey } from './scope.ts'
export type {
  ApiKeyOptions,
  ApiKeyPlacement,
  BasicOptions,
  BearerOptions,
  CredentialOrigins,
  OAuth2Options,
  OriginOptions,
}
