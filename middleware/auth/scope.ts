import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto'
import type { Context, Middleware } from '../../src/index.ts'

// Random per process, so a scope cannot be reversed by hashing guesses. Processes that share
// a cache (a Redis store) set one key for all with `setCredentialScopeKey`.
// A KeyObject, made once: handing createHmac a raw Buffer costs several times more per call.
let scopeKey: KeyObject = createSecretKey(randomBytes(32))

/**
 * Sets the key the credential scopes are hashed with. Processes that share a cache or a rate
 * limiter through Redis must use the same key (at least 32 bytes, kept secret), or their
 * scopes differ and nothing is shared.
 */
export function setCredentialScopeKey(key: string | Uint8Array): void {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key)
  if (bytes.byteLength < 32) throw new RangeError('the credential scope key must be at least 32 bytes')
  scopeKey = createSecretKey(bytes)
}

/**
 * An opaque identifier of a credential: `<scheme>:` and a keyed hash (HMAC-SHA256) of the
 * credential. The same credential gives the same scope within a process (or across processes
 * that share the key); the credential cannot be recovered from it.
 */
export function credentialScope(scheme: string, credential: string): string {
  const digest = createHmac('sha256', scopeKey).update(`${scheme}\0${credential}`).digest('base64url')
  return `${scheme}:${digest.slice(0, 22)}`
}

/**
 * Records on the context what an auth middleware did for this attempt: the credential's
 * scope, and the header or query parameter that carries it (removed on a redirect to another
 * origin).
 */
export function markCredential(ctx: Context, scope: string, carrier: { header?: string; query?: string } = {}): void {
  ctx.state.credentialScope = scope
  if (carrier.header !== undefined) {
    ctx.state.credentialHeaders ??= new Set()
    ctx.state.credentialHeaders.add(carrier.header.toLowerCase())
  }
  if (carrier.query !== undefined) {
    ctx.state.credentialQuery ??= new Set()
    ctx.state.credentialQuery.add(carrier.query)
  }
}

/** A credential given as a value or as a (possibly async) function called for every attempt. */
export type CredentialSource = string | (() => string | Promise<string>)

/**
 * Gives an auth middleware a `prepare` hook that sets `ctx.state.credentialScope` before the
 * onion starts, so that a cache or a de-duplicator outside it partitions by the credential
 * the call will use. `scopeOf` gives the scope without sending anything.
 */
export function declareScope(middleware: Middleware, scopeOf: (ctx: Context) => string | Promise<string>): Middleware {
  middleware.prepare = async (ctx) => {
    ctx.state.credentialScope = await scopeOf(ctx)
  }
  return middleware
}

/**
 * A credential resolved ahead of time by `prepare` (to name its scope), kept for the call's
 * first attempt so that a credential function is not called twice for one attempt.
 */
export class EarlyCredentials {
  readonly #values = new WeakMap<Context, string>()

  /** Keeps `value` for `ctx`'s first attempt. */
  keep(ctx: Context, value: string): void {
    this.#values.set(ctx, value)
  }

  /** The value kept for `ctx`, once; `undefined` after the first attempt took it. */
  take(ctx: Context): string | undefined {
    const value = this.#values.get(ctx)
    if (value !== undefined) this.#values.delete(ctx)
    return value
  }
}
