import { ConfigError, type FetchFunction } from '../../../src/index.ts'
import { optionNames, redactUrl, rejectUnknownOptions } from '../../../src/kit.ts'
import type { OriginOptions } from '../origins.ts'

/**
 * Options shared by both grants of `auth.oauth2()`. `origins` and `crossOrigin` say where the
 * access token may go (by default, the origin of the client's `baseUrl` only); the token
 * endpoint is `tokenUrl`, whatever they say.
 */
interface OAuth2BaseOptions extends OriginOptions {
  /** The token endpoint (RFC 6749 §3.2). Must be `https:`, except on loopback (127.0.0.1, ::1, localhost). */
  tokenUrl: string
  /** The client identifier issued by the authorization server (RFC 6749 §2.2). */
  clientId: string
  /**
   * The client secret (RFC 6749 §2.3.1). Required for the client credentials grant; a public
   * client using the refresh token grant leaves it out and sends only its `client_id`.
   */
  clientSecret?: string | undefined
  /** The scope to request (RFC 6749 §3.3): a space-separated string or a list of scope tokens. */
  scope?: string | readonly string[] | undefined
  /**
   * How the client authenticates to the token endpoint: `'basic'` (the default, RFC 6749
   * §2.3.1: HTTP Basic with `client_id` and `client_secret` each form-urlencoded first) or
   * `'body'` (both as form parameters).
   */
  clientAuth?: 'basic' | 'body' | undefined
  /** The fetch implementation used for the token endpoint (default: the global `fetch`). */
  fetch?: FetchFunction | undefined
  /**
   * Renew the access token this many milliseconds before its `expires_in` runs out
   * (default 60 000), but never earlier than half-way through its lifetime.
   */
  refreshMarginMs?: number | undefined
  /** How long a token request may take, reading its body included, in milliseconds (default 10 000). */
  tokenTimeoutMs?: number | undefined
  /** More form parameters for the token request, such as `audience` or `resource`. */
  extraParams?: Readonly<Record<string, string>> | undefined
}

/** `auth.oauth2()` with the client credentials grant (RFC 6749 §4.4). */
export interface OAuth2ClientCredentialsOptions extends OAuth2BaseOptions {
  /** The grant: a token for the client itself. */
  grant: 'client_credentials'
  /** The client secret; this grant is for confidential clients only. */
  clientSecret: string
}

/** `auth.oauth2()` with the refresh token grant (RFC 6749 §6). */
export interface OAuth2RefreshTokenOptions extends OAuth2BaseOptions {
  /** The grant: access tokens obtained with a refresh token. */
  grant: 'refresh_token'
  /**
   * The refresh token. When a token response carries a new `refresh_token` (rotation), that
   * one is used from then on.
   */
  refreshToken: string
}

/** Options of `auth.oauth2()`: one of the two grants. */
export type OAuth2Options = OAuth2ClientCredentialsOptions | OAuth2RefreshTokenOptions

/** What the middleware needs, validated and normalised. */
export interface OAuth2Settings {
  readonly grant: OAuth2Options['grant']
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string | undefined
  readonly refreshToken: string | undefined
  readonly scope: string | undefined
  readonly clientAuth: 'basic' | 'body'
  /**
   * Sends the token request: through `fetch` when given, else through the global `fetch` as
   * it was when the middleware was made (with `globalThis.fetch = api.fetch` later, the token
   * request must not go through the stack that waits for it).
   */
  readonly send: (url: string, init: RequestInit & { signal: AbortSignal }) => Promise<Response>
  readonly refreshMarginMs: number
  readonly tokenTimeoutMs: number
  readonly extraParams: ReadonlyArray<readonly [string, string]>
}

/** The options of either grant: a `refreshToken` with the client credentials grant is not refused. */
const OAUTH2_OPTIONS = optionNames<OAuth2Options>()([
  'grant',
  'tokenUrl',
  'clientId',
  'clientSecret',
  'refreshToken',
  'scope',
  'clientAuth',
  'fetch',
  'refreshMarginMs',
  'tokenTimeoutMs',
  'extraParams',
  'origins',
  'crossOrigin',
])
const DEFAULT_REFRESH_MARGIN_MS = 60_000
const DEFAULT_TOKEN_TIMEOUT_MS = 10_000
const MAX_TIMEOUT_MS = 2_147_483_647
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])
// The parameters the middleware itself sends; `extraParams` may not override them.
const RESERVED_PARAMS = new Set(['grant_type', 'client_id', 'client_secret', 'refresh_token', 'scope'])
// An access token goes into a header: visible ASCII only (RFC 6750 §2.1's b64token is stricter).
export const TOKEN_CHARS = /^[\x21-\x7e]+$/
// RFC 6749 §3.3: a scope token is visible ASCII without space, `"` and `\`.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/
// RFC 6749 §5.2: an error code is visible ASCII without `"` and `\`.
export const ERROR_CODE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/

/** What the credential scope hashes: everything that decides whose tokens these are, no token. */
export function scopeIdentity(settings: OAuth2Settings): string {
  return JSON.stringify([
    settings.grant,
    settings.tokenUrl,
    settings.clientId,
    settings.scope ?? null,
    [...settings.extraParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    // Refresh tokens of different users share a client id: the first one names the user.
    settings.refreshToken ?? null,
  ])
}

/** Checks the options and fills in the defaults; every problem is a `ConfigError` naming the option. */
export function validateOptions(options: OAuth2Options): OAuth2Settings {
  if (typeof options !== 'object' || options === null) throw new ConfigError('auth.oauth2() needs an options object')
  rejectUnknownOptions('auth.oauth2()', options, OAUTH2_OPTIONS)
  const grant = validateGrant(options.grant)
  const refreshToken =
    grant === 'refresh_token' ? (options as Partial<OAuth2RefreshTokenOptions>).refreshToken : undefined
  if (grant === 'refresh_token') requireText(refreshToken, 'refreshToken', 'the refresh token grant')
  const clientSecret = optionalText(options.clientSecret, 'clientSecret')
  if (grant === 'client_credentials' && clientSecret === undefined) {
    throw new ConfigError('auth.oauth2(): clientSecret is required for the client credentials grant')
  }
  return {
    grant,
    tokenUrl: validateTokenUrl(options.tokenUrl),
    clientId: requireText(options.clientId, 'clientId'),
    clientSecret,
    refreshToken,
    scope: validateScope(options.scope),
    clientAuth: validateClientAuth(options.clientAuth),
    send: tokenSender(validateFetch(options.fetch)),
    refreshMarginMs: validateMs(options.refreshMarginMs, 'refreshMarginMs', DEFAULT_REFRESH_MARGIN_MS, 0),
    tokenTimeoutMs: validateMs(options.tokenTimeoutMs, 'tokenTimeoutMs', DEFAULT_TOKEN_TIMEOUT_MS, 1),
    extraParams: validateExtraParams(options.extraParams),
  }
}

function validateGrant(grant: unknown): OAuth2Options['grant'] {
  if (grant === 'client_credentials' || grant === 'refresh_token') return grant
  throw new ConfigError(
    `auth.oauth2(): grant must be 'client_credentials' or 'refresh_token', got ${typeof grant === 'string' ? JSON.stringify(grant) : typeof grant}`,
  )
}

/** A required, non-empty string option; the message names the option, never the value. */
function requireText(value: unknown, name: string, forWhat?: string): string {
  const why = forWhat === undefined ? '' : ` for ${forWhat}`
  if (value === undefined || value === null) throw new ConfigError(`auth.oauth2(): ${name} is required${why}`)
  if (typeof value !== 'string') throw new ConfigError(`auth.oauth2(): ${name} must be a string`)
  if (value === '') throw new ConfigError(`auth.oauth2(): ${name} is empty`)
  return value
}

/** An optional string option: absent is fine, empty is not. */
function optionalText(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireText(value, name)
}

/** `https:`, or `http:` on a loopback host; no userinfo. */
function validateTokenUrl(value: unknown): string {
  const text = requireText(value, 'tokenUrl')
  let url: URL
  try {
    url = new URL(text)
  } catch (cause) {
    throw new ConfigError('auth.oauth2(): tokenUrl is not an absolute URL', { cause })
  }
  if (url.username || url.password) {
    throw new ConfigError('auth.oauth2(): tokenUrl must not hold credentials; use clientId and clientSecret')
  }
  if (url.protocol === 'https:') return url.href
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url.href
  throw new ConfigError(
    `auth.oauth2(): tokenUrl must be https: (plain http: only on loopback: 127.0.0.1, ::1, localhost), got ${redactUrl(url)}`,
  )
}

/** A scope string, or a list of scope tokens joined with spaces. */
function validateScope(scope: unknown): string | undefined {
  if (scope === undefined) return undefined
  if (typeof scope === 'string') return scope.trim() === '' ? undefined : scope.trim()
  if (!Array.isArray(scope) || !scope.every((token) => typeof token === 'string' && SCOPE_TOKEN.test(token))) {
    throw new ConfigError(
      'auth.oauth2(): scope must be a string or a list of scope tokens (visible ASCII, no spaces, quotes or backslashes)',
    )
  }
  return scope.length === 0 ? undefined : scope.join(' ')
}

function validateClientAuth(clientAuth: unknown): 'basic' | 'body' {
  if (clientAuth === undefined || clientAuth === 'basic' || clientAuth === 'body') return clientAuth ?? 'basic'
  throw new ConfigError(`auth.oauth2(): clientAuth must be 'basic' or 'body'`)
}

function tokenSender(given: FetchFunction | undefined): OAuth2Settings['send'] {
  // A custom fetch takes a `Request` (FetchFunction); the signal is passed beside it too.
  if (given !== undefined) return (url, init) => given(new Request(url, init), { signal: init.signal })
  if (typeof globalThis.fetch !== 'function') {
    throw new ConfigError('auth.oauth2(): this runtime has no global fetch; pass one as fetch')
  }
  // The signal stays in `init`: undici follows the signal of a `Request` object only while
  // that object lives, and nothing here would keep it alive.
  const global = globalThis.fetch.bind(globalThis)
  return (url, init) => global(url, init)
}

function validateFetch(value: unknown): FetchFunction | undefined {
  if (value === undefined || typeof value === 'function') return value as FetchFunction | undefined
  throw new ConfigError('auth.oauth2(): fetch must be a function')
}

/** A duration option in milliseconds, at least `min`. */
function validateMs(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMEOUT_MS) {
    throw new ConfigError(
      `auth.oauth2(): ${name} must be a number of milliseconds from ${min} to ${MAX_TIMEOUT_MS}, got ${String(value)}`,
    )
  }
  return value
}

/** Extra form parameters: strings only, and none that the middleware sends itself. */
function validateExtraParams(extra: unknown): ReadonlyArray<readonly [string, string]> {
  if (extra === undefined) return []
  if (typeof extra !== 'object' || extra === null) {
    throw new ConfigError('auth.oauth2(): extraParams must be a record of strings')
  }
  const entries = Object.entries(extra)
  for (const [name, value] of entries) {
    if (RESERVED_PARAMS.has(name)) {
      throw new ConfigError(`auth.oauth2(): extraParams must not set ${name}; use the option for it`)
    }
    if (typeof value !== 'string') throw new ConfigError(`auth.oauth2(): extraParams.${name} must be a string`)
  }
  return entries as [string, string][]
}
