/**
 * `ply-http/kit`: what a middleware author needs and application code does not. The core's
 * helpers (context, deadlines, body readers, redaction, option checks, the call summary) and
 * the ones the shipped middlewares share (credential scopes, ending a wait on abort, HTTP
 * dates, base64 without Buffer, a synchronous SHA-256). Like `ply-http`, it runs unchanged in
 * browsers and Node.
 *
 * @module
 */
export * from '../src/kit.ts'
export { unlessAborted } from './shared/abort.ts'
export { decodeBase64, encodeBase64, encodeBase64Text } from './shared/base64.ts'
export { credentialScope, setCredentialScopeKey } from './shared/credential-scope.ts'
export { sha256Base64Url } from './shared/digest.ts'
export { parseHttpDate } from './shared/http-date.ts'
