import { AuthError, type RequestSummary } from '../../../src/index.ts'
import { describeFailure, redactText, registerSecret, summarize } from '../../../src/kit.ts'
import { encodeBase64Text } from '../../shared/base64.ts'
import { ERROR_CODE, type OAuth2Settings, TOKEN_CHARS } from './options.ts'

/** An access token and when to stop using it (a `Date.now()` time; `Infinity` until a 401). */
export interface AccessToken {
  readonly value: string
  readonly renewAt: number
}

/** The grant's mutable part: the refresh token, which the server may rotate. */
export interface GrantState {
  refreshToken: string | undefined
  /**
   * Owns the pin of the current (rotated) refresh token in the secret registry: replaced on
   * each rotation, so that a refresh token no longer in use stops being pinned.
   */
  refreshPin: object
}

export function grantState(settings: OAuth2Settings): GrantState {
  return { refreshToken: settings.refreshToken, refreshPin: {} }
}

/**
 * Sends one token request and turns its answer into an `AccessToken`, or throws an
 * `AuthError`. `tokenTimeoutMs` bounds the whole exchange, the body read included, with a
 * timer of its own: the signal aborts the request, but a fetch that does not honour it (a
 * custom one, or undici once it lost track of a signal) cannot hold the shared token request,
 * and every call waiting on it, beyond the timeout.
 */
export async function requestToken(settings: OAuth2Settings, grant: GrantState): Promise<AccessToken> {
  const controller = new AbortController()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const reason = new DOMException(`no answer within ${settings.tokenTimeoutMs} ms`, 'TimeoutError')
      controller.abort(reason)
      reject(unreachable(settings, reason, true))
    }, settings.tokenTimeoutMs)
  })
  const exchange = exchangeToken(settings, grant, controller.signal)
  // Once the timeout has won, nobody awaits the exchange: its late failure is not "unhandled".
  exchange.catch(() => undefined)
  try {
    return await Promise.race([exchange, timedOut])
  } finally {
    clearTimeout(timer)
  }
}

async function exchangeToken(settings: OAuth2Settings, grant: GrantState, signal: AbortSignal): Promise<AccessToken> {
  const startedAt = Date.now()
  const response = await sendTokenRequest(settings, grant, signal)
  const text = await readBody(response, settings, signal)
  if (!response.ok) throw refusal(settings, response, text)
  const body = parseTokenJson(text, settings, response.status)
  const token = accessTokenOf(body, settings, response.status, startedAt)
  const rotated = body.refresh_token
  if (settings.grant === 'refresh_token' && typeof rotated === 'string' && rotated !== '') {
    // Pinned while it is the one in use; the one it replaces is released with its old pin.
    grant.refreshPin = {}
    registerSecret(rotated, { owner: grant.refreshPin })
    registerSecret(formEncode(rotated), { owner: grant.refreshPin })
    grant.refreshToken = rotated
  }
  return token
}

/** POSTs the form to the token endpoint; a network failure or an abort becomes an `AuthError`. */
async function sendTokenRequest(settings: OAuth2Settings, grant: GrantState, signal: AbortSignal): Promise<Response> {
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  })
  const form = tokenForm(settings, grant)
  if (settings.clientAuth === 'basic' && settings.clientSecret !== undefined) {
    headers.set('authorization', `Basic ${basicCredentials(settings.clientId, settings.clientSecret)}`)
  } else {
    form.set('client_id', settings.clientId)
    if (settings.clientSecret !== undefined) form.set('client_secret', settings.clientSecret)
  }
  // Token endpoints do not redirect; a 3xx is reported rather than followed with the credentials.
  const init = { method: 'POST', headers, body: form, signal, redirect: 'manual' } as const
  try {
    return await settings.send(settings.tokenUrl, init)
  } catch (error) {
    throw unreachable(settings, signal.aborted ? signal.reason : error, signal.aborted)
  }
}

/** The grant's form parameters, without client authentication. */
function tokenForm(settings: OAuth2Settings, grant: GrantState): URLSearchParams {
  const form = new URLSearchParams({ grant_type: settings.grant })
  if (settings.grant === 'refresh_token' && grant.refreshToken !== undefined) {
    form.set('refresh_token', grant.refreshToken)
  }
  if (settings.scope !== undefined) form.set('scope', settings.scope)
  for (const [name, value] of settings.extraParams) form.set(name, value)
  return form
}

/** RFC 6749 §2.3.1: base64 of `form-urlencode(id) ":" form-urlencode(secret)`. */
function basicCredentials(clientId: string, clientSecret: string): string {
  return encodeBase64Text(`${formEncode(clientId)}:${formEncode(clientSecret)}`)
}

/** `value` encoded as `application/x-www-form-urlencoded` (space as `+`, UTF-8 percent-encoded). */
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1)
}

/** The response body as text; a timeout or reset while reading is an `AuthError`. */
async function readBody(response: Response, settings: OAuth2Settings, signal: AbortSignal): Promise<string> {
  try {
    return await response.text()
  } catch (error) {
    if (signal.aborted) throw unreachable(settings, signal.reason, true)
    throw new AuthError(`reading the token endpoint's answer failed: ${describeFailure(error)}`, {
      cause: error,
      request: tokenRequestSummary(settings),
      status: response.status,
    })
  }
}

/** The JSON object of a successful token response (RFC 6749 §5.1), or an `AuthError`. */
function parseTokenJson(text: string, settings: OAuth2Settings, status: number): Record<string, unknown> {
  const body = parseJsonObject(text)
  if (body === undefined) {
    // JSON.parse's message quotes the text, which holds the token: it is not kept as the cause.
    throw new AuthError(
      `the token endpoint answered the ${grantLabel(settings)} grant with HTTP ${status} but not with a JSON object`,
      { request: tokenRequestSummary(settings), status },
    )
  }
  return body
}

/** Checks the token response's fields and computes when to renew. */
function accessTokenOf(
  body: Record<string, unknown>,
  settings: OAuth2Settings,
  status: number,
  startedAt: number,
): AccessToken {
  const fail = (problem: string): AuthError =>
    new AuthError(`the token endpoint's answer to the ${grantLabel(settings)} grant ${problem}`, {
      request: tokenRequestSummary(settings),
      status,
    })
  const value = body.access_token
  if (typeof value !== 'string' || value === '') throw fail('has no access_token')
  // Transient: tokens are renewed for as long as the process runs. Each attempt that sends it
  // registers it again, which keeps the token in use among the recent ones.
  registerSecret(value, { transient: true })
  if (!TOKEN_CHARS.test(value)) throw fail('has an access_token that cannot be sent in a header')
  const type = body.token_type
  // RFC 6749 makes token_type required; a server that leaves it out is taken to mean Bearer.
  if (type !== undefined && (typeof type !== 'string' || type.toLowerCase() !== 'bearer')) {
    throw fail(`has token_type ${JSON.stringify(redactText(String(type)))}, and only Bearer is supported`)
  }
  return { value, renewAt: renewAt(startedAt, lifetimeMs(body.expires_in), settings.refreshMarginMs) }
}

/** `expires_in` in milliseconds, or `undefined` when absent or not a usable number of seconds. */
function lifetimeMs(expiresIn: unknown): number | undefined {
  const seconds = typeof expiresIn === 'string' && expiresIn.trim() !== '' ? Number(expiresIn) : expiresIn
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return undefined
  return seconds * 1000
}

/** When to stop using a token: `marginMs` before it expires, but not before half its lifetime. */
function renewAt(startedAt: number, lifetime: number | undefined, marginMs: number): number {
  if (lifetime === undefined) return Number.POSITIVE_INFINITY
  return startedAt + lifetime - Math.min(marginMs, lifetime / 2)
}

/** The `AuthError` for a non-2xx answer, with the RFC 6749 §5.2 fields when the body has them. */
function refusal(settings: OAuth2Settings, response: Response, text: string): AuthError {
  const body = parseJsonObject(text)
  const error = typeof body?.error === 'string' && ERROR_CODE.test(body.error) ? redactText(body.error) : undefined
  const errorDescription = typeof body?.error_description === 'string' ? body.error_description : undefined
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
  const detail = error === undefined ? status : `${error}${errorDescription ? ` (${errorDescription})` : ''}`
  return new AuthError(`the token endpoint refused the ${grantLabel(settings)} grant: ${detail}`, {
    request: tokenRequestSummary(settings),
    status: response.status,
    error,
    errorDescription,
  })
}

/**
 * The `AuthError` for a token request that got no (whole) answer: refused connection, DNS,
 * or `timedOut` (then `error` is the timeout's `DOMException`).
 */
function unreachable(settings: OAuth2Settings, error: unknown, timedOut: boolean): AuthError {
  const request = tokenRequestSummary(settings)
  const reason = timedOut ? `no answer within ${settings.tokenTimeoutMs} ms` : describeFailure(error)
  return new AuthError(`the token endpoint (${request.url}) could not be reached: ${reason}`, { cause: error, request })
}

/** `text` parsed as a JSON object, or `undefined`. */
function parseJsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined
}

/** The token request as errors carry it: method and redacted URL. */
function tokenRequestSummary(settings: OAuth2Settings): RequestSummary {
  return summarize('POST', settings.tokenUrl)
}

function grantLabel(settings: OAuth2Settings): string {
  return settings.grant === 'client_credentials' ? 'client credentials' : 'refresh token'
}

/**
 * Registers the configured secrets, in the forms they take on the wire, for redaction: pinned
 * for as long as `owner` (the middleware) lives.
 */
export function registerSettingsSecrets(settings: OAuth2Settings, owner: object): void {
  for (const secret of [settings.clientSecret, settings.refreshToken]) {
    if (secret === undefined) continue
    registerSecret(secret, { owner })
    registerSecret(formEncode(secret), { owner })
  }
  if (settings.clientSecret !== undefined) {
    registerSecret(basicCredentials(settings.clientId, settings.clientSecret), { owner })
  }
}
