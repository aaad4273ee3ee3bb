// The five auth schemes as the origin tests use them: each made with origin options, with
// what it puts on a request and every secret it holds, so a test can say "signed" or "no
// credential anywhere" of what a server saw.
import { auth, type OriginOptions } from '../../middleware/index.ts'
import type { Middleware } from '../../src/index.ts'
import type { SeenRequest } from './server.ts'

export const BEARER = 'origin-bearer-s3cret'
export const PASSWORD = 'origin-basic-pa55word'
export const HEADER_KEY = 'origin-header-k3y'
export const QUERY_KEY = 'origin-query-k3y'
export const ACCESS_TOKEN = 'origin-access-t0ken'
export const CLIENT_SECRET = 'origin-client-s3cret'

/** Every secret value the schemes hold, in every form they send it. */
export const SECRETS = [
  BEARER,
  PASSWORD,
  btoa(`alice:${PASSWORD}`),
  HEADER_KEY,
  QUERY_KEY,
  ACCESS_TOKEN,
  CLIENT_SECRET,
  btoa(`client:${CLIENT_SECRET}`),
]

/** One scheme: how to make it, and the credential a request it signed carries. */
export interface Scheme {
  readonly make: (options?: OriginOptions) => Middleware
  /** The credential as this scheme puts it on `request`, or `undefined` when absent. */
  readonly carried: (request: SeenRequest) => string | undefined
  /** What `carried` gives for a signed request. */
  readonly expected: string
}

/** The schemes; oauth2 gets its tokens from `${tokenOrigin()}/token`. */
export function schemes(tokenOrigin: () => string): Readonly<Record<string, Scheme>> {
  return {
    bearer: {
      make: (options) => auth.bearer(BEARER, options),
      carried: (request) => request.headers.authorization,
      expected: `Bearer ${BEARER}`,
    },
    basic: {
      make: (options) => auth.basic('alice', PASSWORD, options),
      carried: (request) => request.headers.authorization,
      expected: `Basic ${btoa(`alice:${PASSWORD}`)}`,
    },
    'apiKey header': {
      make: (options) => auth.apiKey({ header: 'X-API-Key', ...options }, HEADER_KEY),
      carried: (request) => request.headers['x-api-key'] as string | undefined,
      expected: HEADER_KEY,
    },
    'apiKey query': {
      make: (options) => auth.apiKey({ query: 'api_key', ...options }, QUERY_KEY),
      carried: (request) => new URL(request.url, 'http://seen').searchParams.get('api_key') ?? undefined,
      expected: QUERY_KEY,
    },
    oauth2: {
      make: (options) =>
        auth.oauth2({
          grant: 'client_credentials',
          tokenUrl: `${tokenOrigin()}/token`,
          clientId: 'client',
          clientSecret: CLIENT_SECRET,
          ...options,
        }),
      carried: (request) => request.headers.authorization,
      expected: `Bearer ${ACCESS_TOKEN}`,
    },
  }
}

/** Whether a request a server saw holds any credential: an auth header, or a secret anywhere in its headers or URL. */
export function holdsCredential(request: SeenRequest): boolean {
  if (request.headers.authorization !== undefined || request.headers['x-api-key'] !== undefined) return true
  const seen = JSON.stringify({ url: request.url, headers: request.headers })
  return SECRETS.some((secret) => seen.includes(secret) || seen.includes(encodeURIComponent(secret)))
}
