import { AbortError, type Context, type Middleware } from '../../../src/index.ts'
import { deadlineError, registerSecret, remainingTime, summarize } from '../../../src/kit.ts'
import { unlessAborted } from '../../shared/abort.ts'
import { OriginBinding } from '../origins.ts'
import { credentialScope, declareScope, markCredential } from '../scope.ts'
import { type OAuth2Options, type OAuth2Settings, scopeIdentity, validateOptions } from './options.ts'
import { type AccessToken, grantState, registerSettingsSecrets, requestToken } from './token-endpoint.ts'

export type { OAuth2ClientCredentialsOptions, OAuth2Options, OAuth2RefreshTokenOptions } from './options.ts'

/**
 * OAuth 2.0 (RFC 6749) with the client credentials grant (§4.4) or the refresh token grant
 * (§6): sends `Authorization: Bearer <access token>` on every attempt.
 *
 * - The access token is cached until `refreshMarginMs` before its `expires_in` runs out (a
 *   token without `expires_in` is kept until the API answers 401). Expiry is checked when a
 *   request needs a token: no timer keeps the process alive.
 * - Concurrent requests that need a token share one token request (single flight). If it
 *   fails, all of them reject with the same `AuthError`, and the next request tries again.
 * - A 401 from the API invalidates the token it was sent with, fetches a new one and replays
 *   the request once; a second 401 is left as the response (an `HttpError` at the client's
 *   edge). A request whose body is a `ReadableStream` cannot be sent twice and is not replayed.
 * - A token endpoint that refuses gives an `AuthError` with its `error`, `error_description`
 *   and `status`; an unreachable or slow one an `AuthError` whose `cause` says why. The client
 *   secret, the refresh tokens and the access tokens are registered as secrets: they are
 *   masked in every error and never kept on one.
 * - `ctx.state.credentialScope` names the client (grant, token URL, client id, scope,
 *   extra parameters and, for the refresh grant, the refresh token first given), so it stays
 *   the same across token renewals.
 *
 * - The access token goes only to the origin of the client's `baseUrl`, or to `origins` when
 *   given; a call to any other origin is refused with a `ConfigError` before anything is sent
 *   (no token is requested for it), or sent without the token with `crossOrigin: 'unsigned'`.
 *
 * Bad options (a missing `tokenUrl` or `clientId`, an empty secret, a refresh grant without a
 * refresh token, a token URL that is not `https:` outside loopback) throw a `ConfigError`.
 *
 * @example
 * client.use(auth.oauth2({
 *   grant: 'client_credentials',
 *   tokenUrl: 'https://auth.example.com/oauth/token',
 *   clientId: process.env.CLIENT_ID!,
 *   clientSecret: process.env.CLIENT_SECRET!,
 *   scope: ['read', 'write'],
 * }))
 */
export function oauth2(options: OAuth2Options): Middleware {
  const settings = validateOptions(options)
  const binding = new OriginBinding('auth.oauth2()', (list) => `auth.oauth2({ …, origins: ${list} })`, options)
  const scope = credentialScope('oauth2', scopeIdentity(settings))
  const tokens = tokenCache(settings)

  const attempt = async (ctx: Context, next: () => Promise<void>, token: AccessToken): Promise<void> => {
    // Keeps the token in use among the recent secrets, however many others rotate meanwhile.
    registerSecret(token.value, { transient: true })
    ctx.request.headers.set('authorization', `Bearer ${token.value}`)
    markCredential(ctx, scope, { header: 'authorization' })
    await next()
  }

  const middleware: Middleware = async (ctx, next) => {
    if (!binding.signs(ctx)) return next()
    const used = await waitForToken(tokens.get(), ctx)
    await attempt(ctx, next, used)
    const response = ctx.response
    if (response?.status !== 401 || !isReplayable(ctx)) return
    // The body of the refused attempt is not wanted; release its connection.
    await response.body?.cancel().catch(() => undefined)
    tokens.invalidate(used)
    await attempt(ctx, next, await waitForToken(tokens.get(), ctx))
  }
  registerSettingsSecrets(settings, middleware)
  middleware.phase = 'sign'
  middleware.displayName = 'auth.oauth2()'
  return declareScope(middleware, binding, () => scope)
}

/** The token cache with single flight: at most one token request at a time. */
function tokenCache(settings: OAuth2Settings): { get(): Promise<AccessToken>; invalidate(token: AccessToken): void } {
  const grant = grantState(settings)
  let current: AccessToken | undefined
  let inflight: Promise<AccessToken> | undefined

  const renew = (): Promise<AccessToken> => {
    if (inflight !== undefined) return inflight
    const request = requestToken(settings, grant).then((token) => {
      current = token
      return token
    })
    inflight = request.finally(() => {
      inflight = undefined
    })
    // Every waiter handles the rejection; this only keeps an abandoned failure from being "unhandled".
    inflight.catch(() => undefined)
    return inflight
  }

  return {
    get: () => (current !== undefined && Date.now() < current.renewAt ? Promise.resolve(current) : renew()),
    invalidate: (token) => {
      // Another request may already have replaced it; a newer token stays.
      if (current === token) current = undefined
    },
  }
}

/** Whether the request can be sent again: a `ReadableStream` body cannot. */
function isReplayable(ctx: Context): boolean {
  return !(ctx.request.body instanceof ReadableStream)
}

/**
 * The shared token request as one call waits for it: an `AbortError` as soon as the caller's
 * signal aborts, the deadline's `TimeoutError` as soon as the call's deadline passes. Either
 * way the shared request goes on for the other calls waiting on it, and the deadline's timer
 * is cleared as soon as this wait ends.
 */
function waitForToken(promise: Promise<AccessToken>, ctx: Context): Promise<AccessToken> {
  const left = remainingTime(ctx)
  if (left === undefined) return whileNotAborted(promise, ctx)
  if (left <= 0) return Promise.reject(deadlineError(ctx))
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(deadlineError(ctx)), left)
  })
  return whileNotAborted(Promise.race([promise, deadline]), ctx).finally(() => clearTimeout(timer))
}

/** `promise`, or an `AbortError` as soon as the caller's signal aborts (the shared token request goes on). */
function whileNotAborted<T>(promise: Promise<T>, ctx: Context): Promise<T> {
  const { signal } = ctx.request
  return unlessAborted(promise, signal, () => {
    const request = summarize(ctx.request.method, ctx.request.peekUrl())
    return new AbortError(
      `the request was aborted while waiting for an OAuth2 access token (${request.method} ${request.url})`,
      { cause: signal?.reason, request },
    )
  })
}
