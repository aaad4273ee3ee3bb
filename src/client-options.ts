import type { RouteDefaults } from './client-types.ts'
import type { HeadersInput } from './context.ts'
import { ConfigError } from './errors.ts'
import { applyHeaders } from './headers.ts'
import { optionNames, rejectUnknownOptions } from './options.ts'
import type { RedirectOptions } from './redirect.ts'
import { ALWAYS_SECRET_HEADERS, type CrossOriginPolicy } from './secret-headers.ts'
import type { FetchFunction } from './transport.ts'

/** Options of `createClient()` and `client.extend()`. */
export interface ClientOptions extends RedirectOptions {
  /** Prepended to every relative path, as a string (`https://host/api/v3` + `/users` keeps `/api/v3`). */
  baseUrl?: string | undefined
  /** Headers sent with every request (a call's own headers win). */
  headers?: HeadersInput | undefined
  /** Per-attempt timeout in milliseconds, for the response and again for reading its body; `false` for none. Default 10 000. */
  timeout?: number | false | undefined
  /** Whether a non-2xx final response rejects with an `HttpError` (default `true`). */
  throwHttpErrors?: boolean | undefined
  /**
   * The fetch implementation ky calls. Default: the global `fetch` as it is when the client is
   * created (a later change of `globalThis.fetch`, to this client's own `fetch` for example,
   * does not reach it). A child from `extend()` inherits it.
   */
  fetch?: FetchFunction | undefined
  /**
   * Names of headers that carry a secret of the client's origin (case-insensitive, e.g.
   * `['x-custom-token']`; `Authorization`, `Proxy-Authorization` and `Cookie` are secret
   * already). Such a header, from `headers` or a call's own, is sent only to the origin of
   * `baseUrl` (which is then required): a call to another origin that would carry one is
   * refused with a `ConfigError` before anything is sent (see `crossOrigin`), a redirect to
   * another origin drops it, and its value is masked in errors, logs and events. A child from
   * `extend()` keeps its parent's and may add more.
   */
  secretHeaders?: readonly string[] | undefined
  /**
   * What a call to another origin than `baseUrl`'s gets when it would carry one of the
   * `secretHeaders`: `'refuse'` (default) rejects it with a `ConfigError` naming the header and
   * the origin; `'unsigned'` sends it without its secret headers.
   */
  crossOrigin?: CrossOriginPolicy | undefined
  /**
   * Call options per route, for every call of it: `{ 'GET /pets': { cache: 'no-cache' },
   * 'POST /pets': { retry: true, limitGroup: 'writes' } }`. A call's own options win (shallowly).
   * Any call option the client accepts, but none that differs per call (`params`, `query`, a
   * body, `signal`, `schema`). On a typed client, `createClient<paths>()` takes the document's
   * routes only. A
   * route's defaults apply to calls made with its template (`api.get('/pets/{petId}', …)`), not
   * to an absolute URL. `extend()` replaces the table as a whole.
   */
  routes?: Readonly<Record<string, RouteDefaults>> | undefined
}

/** Per-attempt timeout when none is given. */
export const DEFAULT_TIMEOUT = 10_000
/** The `accept` header every request starts with; the client's and the call's headers may replace it. */
export const DEFAULT_ACCEPT = 'application/json, */*;q=0.8'
const MAX_TIMEOUT = 2_147_483_647 // setTimeout's limit

/**
 * Checks a timeout (the client's or a call's) or a call's `deadline`: a positive number of
 * milliseconds up to `setTimeout`'s limit, or `false` for no timeout.
 *
 * @throws {ConfigError} naming the option and the value.
 */
export function validateTimeout(timeout: unknown, name = 'timeout'): void {
  if (timeout === false && name === 'timeout') return
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_TIMEOUT) {
    throw new ConfigError(
      `${name} must be a positive number of milliseconds up to ${MAX_TIMEOUT}${name === 'timeout' ? ', or false' : ''}; got ${String(timeout)}`,
    )
  }
}

/** Every option of `ClientOptions`, for the check of their names. */
const CLIENT_OPTIONS = optionNames<ClientOptions>()([
  'baseUrl',
  'headers',
  'timeout',
  'throwHttpErrors',
  'fetch',
  'maxRedirects',
  'allowInsecureRedirects',
  'secretHeaders',
  'crossOrigin',
  'routes',
])

/** Refuses options that are not an object, or that hold a name `ClientOptions` does not have. */
function checkOptionNames(options: unknown, where: string): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`)
  }
  rejectUnknownOptions(where, options, CLIENT_OPTIONS)
}

/**
 * Checks `createClient()`'s options: their names, an absolute http(s) `baseUrl` without
 * credentials, a query or a fragment, the timeout, `maxRedirects` and `fetch`.
 *
 * @throws {ConfigError} naming the first bad option.
 */
export function validateClientOptions(options: ClientOptions): void {
  checkOptionNames(options, 'createClient()')
  if (options.baseUrl !== undefined) {
    let url: URL
    try {
      url = new URL(options.baseUrl)
    } catch (cause) {
      // The value is not echoed: a malformed URL cannot be redacted, and it may hold a key.
      throw new ConfigError('baseUrl is not an absolute URL (scheme and host, e.g. https://api.example.com)', { cause })
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(`baseUrl must be http: or https:, got ${url.protocol}`)
    }
    if (url.username || url.password) {
      throw new ConfigError('baseUrl must not hold credentials; use an auth middleware instead')
    }
    if (/[?#]/.test(String(options.baseUrl))) {
      // Paths are appended to baseUrl; after a query or a fragment they would land inside it.
      throw new ConfigError('baseUrl must not have a query or a fragment; give query parameters per call')
    }
  }
  if (options.timeout !== undefined) validateTimeout(options.timeout)
  const { maxRedirects } = options
  if (maxRedirects !== undefined && !(Number.isInteger(maxRedirects) && maxRedirects >= 0)) {
    throw new ConfigError(`maxRedirects must be a whole number ≥ 0, got ${String(maxRedirects)}`)
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw new ConfigError('fetch must be a function')
  }
  validateSecretHeaders(options)
}

// RFC 9110 §5.1: a field name is a token.
const headerName = /^[!#$%&'*+.^_`|~\dA-Za-z-]+$/

/** Checks `secretHeaders` (header names, no repeats, a `baseUrl` to bind them to) and `crossOrigin`. */
function validateSecretHeaders(options: ClientOptions): void {
  const { secretHeaders, crossOrigin } = options
  if (crossOrigin !== undefined && crossOrigin !== 'refuse' && crossOrigin !== 'unsigned') {
    throw new ConfigError(`crossOrigin must be 'refuse' or 'unsigned', got ${JSON.stringify(crossOrigin)}`)
  }
  if (secretHeaders === undefined) return
  checkSecretHeaderNames(secretHeaders)
  if (secretHeaders.length > 0 && options.baseUrl === undefined) {
    throw new ConfigError(
      'secretHeaders are sent only to the origin of baseUrl, and this client has none: give it a baseUrl, ' +
        'or send a header credential to explicit origins with auth.apiKey({ header, origins })',
    )
  }
}

/** Checks that `secretHeaders` is an array of header names without repeats (in any case). */
function checkSecretHeaderNames(secretHeaders: unknown): void {
  if (!Array.isArray(secretHeaders)) {
    throw new ConfigError("secretHeaders must be an array of header names, such as ['x-custom-token']")
  }
  const seen = new Set<string>()
  for (const name of secretHeaders) {
    if (typeof name !== 'string' || !headerName.test(name)) {
      const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 40)) : typeof name
      throw new ConfigError(`secretHeaders: ${shown} is not a header name (letters, digits and !#$%&'*+.^_\`|~-)`)
    }
    const key = name.toLowerCase()
    if (seen.has(key)) throw new ConfigError(`secretHeaders: '${name}' is listed twice`)
    seen.add(key)
  }
}

/**
 * The options of a child from `client.extend(options)`: the parent's with `options` on top,
 * headers merged onto the parent's (default `accept` included), `secretHeaders` added to the
 * parent's.
 *
 * @throws {ConfigError} for an unknown option or a bad header, or when the child moves to
 *   another origin with a secret header's value that was given for the parent's.
 */
export function childOptions(parent: ClientOptions, parentHeaders: Headers, options: ClientOptions): ClientOptions {
  checkOptionNames(options, 'extend()')
  const headers = new Headers(parentHeaders)
  applyHeaders(headers, options.headers, 'headers')
  // An option given as `undefined` inherits, rather than resetting to the default.
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined))
  const child: ClientOptions = { ...parent, ...given, headers }
  const inherited = parent.secretHeaders ?? []
  if (options.secretHeaders !== undefined) {
    checkSecretHeaderNames(options.secretHeaders)
    const known = new Set(inherited.map((name) => name.toLowerCase()))
    child.secretHeaders = [...inherited, ...options.secretHeaders.filter((name) => !known.has(name.toLowerCase()))]
  }
  if (inherited.length > 0) refuseMovedSecrets(parent, parentHeaders, options)
  return child
}

/**
 * A child on another origin must not send there the values of secret headers its parent was
 * given for its own: each must be given again in the child's `headers`.
 */
function refuseMovedSecrets(parent: ClientOptions, parentHeaders: Headers, options: ClientOptions): void {
  // A malformed baseUrl is the option check's to report.
  if (options.baseUrl === undefined || parent.baseUrl === undefined || !URL.canParse(options.baseUrl)) return
  const from = new URL(parent.baseUrl).origin
  const to = new URL(options.baseUrl).origin
  if (to === from) return
  const own = applyHeaders(new Headers(), options.headers, 'headers')
  for (const name of [...ALWAYS_SECRET_HEADERS, ...(parent.secretHeaders ?? [])]) {
    if (parentHeaders.has(name) && !own.has(name)) {
      throw new ConfigError(
        `extend(): the child's baseUrl is on ${to}, but it would inherit the secret header '${name.toLowerCase()}' ` +
          `given for ${from}; give the child its own value in headers, or make a client for ${to} with createClient()`,
      )
    }
  }
}
