import { PlyRequest, type RequestOptions } from './context.ts'
import { applyHeaders } from './headers.ts'
import { dropUnfitContentType, impliedType } from './request-body.ts'
import { keepSecretsHome, registerCallSecrets, type SecretHeaders } from './secret-headers.ts'
import { joinUrl } from './url.ts'

/**
 * The signature of `client.fetch`: the standard `fetch`'s, so that a client stands in for it
 * wherever a fetch is taken (`globalThis.fetch`, ky's and openapi-fetch's `fetch` option).
 */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>

/** What a client lends a `fetch` call: its base URL, its default headers, its timeout and its secret headers. */
export interface FetchDefaults {
  readonly baseUrl: string | undefined
  /** The client's default headers; copied, never changed. */
  readonly headers: Headers
  readonly timeout: number | false
  /** The client's `secretHeaders`, bound to its origin; `undefined` when it has none. */
  readonly secrets?: SecretHeaders | undefined
}

/**
 * The request a `client.fetch(input, init)` call sends, read as `fetch` reads its arguments.
 * A relative URL resolves against `baseUrl`. Headers are the client's defaults with, on top,
 * `init.headers` when given, else the `Request`'s: as with `new Request(request, init)`,
 * `init.headers` replace the Request's headers rather than merging with them. A `FormData` or
 * `URLSearchParams` body is labelled with its own type, not with a client default
 * `Content-Type`. The `cache` mode becomes the call's `cache` option; other `RequestInit`
 * fields (`credentials`, `mode`, `redirect`, …) are not used. A secret header is kept to the
 * client's origin (see `keepSecretsHome`).
 *
 * @throws {ConfigError} for a bad header, or a secret header bound for another origin.
 */
export async function fetchRequest(
  input: string | URL | Request,
  init: RequestInit,
  defaults: FetchDefaults,
): Promise<PlyRequest> {
  const source = input instanceof Request ? input : undefined
  const method = (init.method ?? source?.method ?? 'GET').toUpperCase()
  const url = source ? new URL(source.url) : joinUrl(defaults.baseUrl, String(input))
  const headers = new Headers(defaults.headers)
  // A FormData or URLSearchParams body brings its own type, unless the caller gave one.
  if (init.body !== undefined && init.body !== null) dropUnfitContentType(headers, impliedType(init.body))
  // The client's defaults stay underneath either way.
  const own = init.headers ?? source?.headers
  applyHeaders(headers, own, 'fetch()')
  const { secrets } = defaults
  if (secrets !== undefined && own !== undefined) registerCallSecrets(secrets, headers, defaults.headers)
  const sent = secrets === undefined ? headers : keepSecretsHome(secrets, method, url, headers)
  // A Request's body is a one-shot stream; read it once so that every attempt can send it.
  const body = init.body ?? (source?.body ? new Uint8Array(await source.arrayBuffer()) : undefined)
  const signal = init.signal ?? source?.signal ?? undefined
  const options: RequestOptions = signal ? { signal } : {}
  const mode = init.cache ?? source?.cache
  if (mode !== undefined && mode !== 'default') options.cache = mode
  return new PlyRequest({
    method,
    url,
    headers: sent,
    body: body ?? undefined,
    timeout: defaults.timeout,
    signal,
    options,
  })
}
