import { type ApiKeyPlacement, apiKey } from './api-key.ts'
import { basic } from './basic.ts'
import { type BearerOptions, bearer } from './bearer.ts'
import { type OAuth2Options, oauth2 } from './oauth2/index.ts'

/**
 * Authentication middlewares. Put them innermost (last `use()`), next to the transport, so
 * that every attempt, replays by an outer retry included, is signed afresh. Each records the
 * credential's opaque scope in `ctx.state.credentialScope` and registers its secrets for
 * redaction.
 */
export const auth = { bearer, basic, apiKey, oauth2 } as const

export { type CredentialSource, credentialScope, setCredentialScopeKey } from './scope.ts'
export type { ApiKeyPlacement, BearerOptions, OAuth2Options }
