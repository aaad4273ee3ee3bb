import { RedirectError, type RequestSummary } from './errors.ts'
import { isSecretHeader } from './redact.ts'

/** How the transport follows redirects. */
export interface RedirectOptions {
  /** Redirects followed per attempt before a `RedirectError`; 0 returns the 3xx itself. Default 10. */
  maxRedirects?: number | undefined
  /** Follow a redirect from https to http (refused by default). */
  allowInsecureRedirects?: boolean | undefined
}

/** One request on the way through a chain of redirects. */
export interface Hop {
  readonly method: string
  readonly url: URL
  readonly headers: Headers
  readonly body: BodyInit | undefined
}

/** Headers that describe a body, dropped with it when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']

/** Whether `status` is a redirect that carries a `Location` to follow (RFC 9110 §15.4). */
export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/**
 * The request to send after a redirect (RFC 9110 §15.4, and the fetch standard's rules): 303,
 * and 301/302 after a POST, become a GET without body; 307/308 keep method and body. To
 * another origin (scheme, host or port), the credentials go no further: `Authorization`,
 * `Proxy-Authorization`, `Cookie`, every header registered secret for the process (a client's
 * `secretHeaders`, `redactHeader(name)`), and the headers and query parameters an auth
 * middleware declared for the call, are removed. An https → http downgrade is refused unless
 * allowed.
 */
export function nextHop(
  hop: Hop,
  status: number,
  location: string,
  credentials: { headers?: ReadonlySet<string> | undefined; query?: ReadonlySet<string> | undefined },
  options: { allowInsecureRedirects: boolean; request: () => RequestSummary },
): Hop {
  let url: URL
  try {
    url = new URL(location, hop.url)
  } catch (cause) {
    throw new RedirectError('the redirect has a Location that is not a URL', {
      cause,
      reason: 'bad-location',
      request: options.request(),
    })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RedirectError(`the redirect leads to a ${url.protocol} URL`, {
      reason: 'bad-location',
      request: options.request(),
    })
  }
  if (hop.url.protocol === 'https:' && url.protocol === 'http:' && !options.allowInsecureRedirects) {
    throw new RedirectError('the redirect would downgrade https to http; allow it with allowInsecureRedirects', {
      reason: 'downgrade',
      request: options.request(),
    })
  }
  let { method, body } = hop
  let headers: Headers | undefined
  const writable = (): Headers => {
    headers ??= new Headers(hop.headers)
    return headers
  }
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET'
    body = undefined
    for (const name of BODY_HEADERS) if (hop.headers.has(name)) writable().delete(name)
  } else if (body instanceof ReadableStream) {
    throw new RedirectError(`a ${status} redirect must resend the body, and a stream body cannot be sent twice`, {
      reason: 'body-not-replayable',
      request: options.request(),
    })
  }
  if (url.origin !== hop.url.origin) {
    const declared = credentials.headers
    // Names are lower-case when iterated; `writable()` is a copy, so deleting while reading is safe.
    // The secret headers include Authorization, Proxy-Authorization and Cookie.
    for (const name of hop.headers.keys()) {
      if (isSecretHeader(name) || declared?.has(name)) writable().delete(name)
    }
    for (const name of credentials.query ?? []) url.searchParams.delete(name)
  }
  return { method, url, headers: headers ?? hop.headers, body }
}
