import { ConfigError } from './errors.ts'
import { redactHeader } from './redact.ts'
import { summarize } from './request-summary.ts'
import { registerSecret } from './secret-registry.ts'

/** What a client with secret headers does with a call to another origin that would carry one. */
export type CrossOriginPolicy = 'refuse' | 'unsigned'

/** Headers that carry credentials whatever the client says; listing them in `secretHeaders` is redundant. */
export const ALWAYS_SECRET_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie']

/**
 * A client's secret headers, bound to its origin: the names (lower-case) from `secretHeaders`
 * with `Authorization`, `Proxy-Authorization` and `Cookie`, the origin they may be sent to,
 * and what a call to another origin that carries one gets.
 */
export interface SecretHeaders {
  readonly names: ReadonlySet<string>
  /**
   * Credential headers (`Authorization`, `Proxy-Authorization`, `Cookie`) among the client's
   * default headers when `secretHeaders` does not name them: secret only with the default's
   * value (a call that gives its own value for another origin means to send it there).
   */
  readonly defaultsOnly: ReadonlyMap<string, string>
  readonly origin: string
  readonly crossOrigin: CrossOriginPolicy
}

/**
 * Binds a client's secret headers to its origin, or `undefined` when it has none (so that a
 * call pays nothing for the feature). Each name is registered for the whole process
 * (`redactHeader`), which masks it wherever ply reports headers, strips it on a redirect to
 * another origin, and makes caches and `dedupe()` tell callers apart by its value; the values
 * among `defaults` are registered as secrets while `owner` (the client) lives.
 */
export function bindSecretHeaders(
  listed: readonly string[] | undefined,
  crossOrigin: CrossOriginPolicy | undefined,
  origin: string | undefined,
  defaults: Headers,
  owner: object,
): SecretHeaders | undefined {
  if (origin === undefined) return undefined
  if (listed === undefined || listed.length === 0) {
    // No secretHeaders: still, a credential among the client's defaults stays on its origin.
    const defaultsOnly = new Map<string, string>()
    for (const name of ALWAYS_SECRET_HEADERS) {
      const value = defaults.get(name)
      if (value !== null) defaultsOnly.set(name, value)
    }
    if (defaultsOnly.size === 0) return undefined
    for (const value of defaultsOnly.values()) registerSecret(value, { owner })
    return { names: new Set(), defaultsOnly, origin, crossOrigin: crossOrigin ?? 'refuse' }
  }
  const names = new Set(ALWAYS_SECRET_HEADERS)
  for (const name of listed) {
    names.add(name.toLowerCase())
    redactHeader(name)
  }
  for (const name of names) {
    const value = defaults.get(name)
    if (value !== null) registerSecret(value, { owner })
  }
  return { names, defaultsOnly: new Map(), origin, crossOrigin: crossOrigin ?? 'refuse' }
}

/**
 * The headers a call sends, given its URL: `headers` itself when the URL is on the client's
 * origin or they carry no secret header; to another origin, a copy without the secret headers
 * when the client's `crossOrigin` is `'unsigned'`.
 *
 * @throws {ConfigError} when a call to another origin would carry a secret header and the
 *   client's `crossOrigin` is `'refuse'`; it names the headers and the origin, never a value.
 */
export function keepSecretsHome(secrets: SecretHeaders, method: string, url: URL, headers: Headers): Headers {
  const origin = url.origin
  if (origin === secrets.origin) return headers
  const carried: string[] = []
  for (const [name, value] of headers) {
    if (secrets.names.has(name) || secrets.defaultsOnly.get(name) === value) carried.push(name)
  }
  if (carried.length === 0) return headers
  if (secrets.crossOrigin === 'unsigned') {
    const kept = new Headers(headers)
    for (const name of carried) kept.delete(name)
    return kept
  }
  const list = carried.map((name) => `'${name}'`).join(', ')
  const why = carried.every((name) => secrets.names.has(name)) ? 'secretHeaders' : 'its default headers'
  throw new ConfigError(
    `${method} to ${origin} refused: it would carry the secret header${carried.length > 1 ? 's' : ''} ${list}, ` +
      `which this client sends only to ${secrets.origin} (${why}). Make the call from a client whose ` +
      `baseUrl is on ${origin}, or set crossOrigin: 'unsigned' to send calls to other origins without their secret headers`,
    { request: summarize(method, url) },
  )
}

/**
 * Registers, for a while (`transient`), the values of secret headers a call gives itself, that
 * is those its headers hold and the client's `defaults` do not: a server that echoes one in an
 * error body or a reason phrase cannot leak it through a logged error.
 */
export function registerCallSecrets(secrets: SecretHeaders, headers: Headers, defaults: Headers): void {
  for (const name of secrets.names) {
    const value = headers.get(name)
    if (value !== null && value !== defaults.get(name)) registerSecret(value, { transient: true })
  }
}
