/**
 * The middlewares ply ships. Each is a factory that returns a `Middleware`.
 *
 * @module
 */
export {
  type ApiKeyPlacement,
  auth,
  type BearerOptions,
  type CredentialSource,
  credentialScope,
  type OAuth2Options,
  setCredentialScopeKey,
} from './auth/index.ts'
export { type ParseOptions, parse } from './parse.ts'
