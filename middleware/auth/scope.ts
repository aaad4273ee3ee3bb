import type { Context, Middleware } from '../../src/index.ts'
import type { OriginBinding } from './origins.ts'

export { credentialScope, setCredentialScopeKey } from '../shared/credential-scope.ts'

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
 * Gives an auth middleware its `attach` hook (a credential bound by default to the client's
 * origin refuses a client without a `baseUrl`) and a `prepare` hook that sets
 * `ctx.state.credentialScope` before the onion starts, so that a cache or a de-duplicator
 * outside it partitions by the credential the call will use. `prepare` applies the binding as
 * the middleware will: a call that will go unsigned gets no scope (it is cached and
 * de-duplicated as an anonymous one), a refused call is refused there, before any middleware
 * runs. `scopeOf` gives the scope without sending anything.
 */
export function declareScope(
  middleware: Middleware,
  binding: OriginBinding,
  scopeOf: (ctx: Context) => string | Promise<string>,
): Middleware {
  middleware.attach = (host) => binding.attach(host)
  middleware.prepare = (ctx) => {
    let signed: boolean
    try {
      signed = binding.signs(ctx)
    } catch (error) {
      // A rejection, not a throw: the client's call must reject rather than throw.
      return Promise.reject(error)
    }
    if (!signed) return
    const scope = scopeOf(ctx)
    // A fixed credential's scope is known at once: no promise, no turn of the event loop.
    if (typeof scope === 'string') {
      ctx.state.credentialScope = scope
      return
    }
    return scope.then((value) => {
      ctx.state.credentialScope = value
    })
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
