import type { IncomingMessage, ServerResponse } from 'node:http'

/** A request as the API server saw it, stamped with its arrival on Node's clock. */
export interface ArrivedRequest {
  method: string
  /** The path, without the query. */
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
  /** `performance.now()` when the request's body had been read. */
  at: number
}

/** What a route handler gets: the request, and how often its path was asked for (1 the first time). */
export type ApiRoute = (request: ArrivedRequest, res: ServerResponse, count: number) => void

/** The access token the API's token endpoint issues and `/me` accepts. */
export const ISSUED_TOKEN = 'browser-access-token-1'

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  // no-store unless a route says otherwise: the browser's own HTTP cache stays out of the scenarios.
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
  res.end(JSON.stringify(value))
}

function later(ms: number, answer: () => void): void {
  setTimeout(answer, ms)
}

/** The request as the page should see it echoed: where it went and what credentials it carried. */
function echo(request: ArrivedRequest): Record<string, unknown> {
  return {
    path: request.path,
    query: Object.fromEntries(request.query),
    authorization: request.headers.authorization ?? null,
  }
}

const exact =
  (path: string) =>
  (candidate: string): boolean =>
    candidate === path

/** The API's routes, first match wins. */
export const apiRoutes: ReadonlyArray<{ matches: (path: string) => boolean; handle: ApiRoute }> = [
  { matches: (path) => /^\/users\/[^/]+\/repos$/.test(path), handle: (request, res) => json(res, 200, echo(request)) },
  { matches: exact('/missing'), handle: (_request, res) => json(res, 404, { message: 'Not Found' }) },
  {
    matches: exact('/cached'),
    handle: (_request, res, count) => json(res, 200, { count }, { 'cache-control': 'max-age=60' }),
  },
  {
    // Always stale (no-cache), so the second call revalidates with the ETag.
    matches: exact('/etag'),
    handle: (request, res, count) => {
      const validators = { etag: '"v1"', 'cache-control': 'no-cache' }
      if (request.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, validators)
        res.end()
        return
      }
      json(res, 200, { count }, validators)
    },
  },
  {
    matches: exact('/flaky'),
    handle: (_request, res, count) =>
      count === 1 ? json(res, 503, { message: 'busy' }, { 'retry-after': '1' }) : json(res, 200, { count }),
  },
  {
    // Slow enough that the concurrent calls overlap however the page schedules them.
    matches: exact('/shared'),
    handle: (_request, res, count) => later(300, () => json(res, 200, { count })),
  },
  { matches: exact('/limited'), handle: (_request, res, count) => json(res, 200, { count }) },
  { matches: (path) => path.startsWith('/whoami/'), handle: (request, res) => json(res, 200, echo(request)) },
  {
    // Slow, so that every concurrent call is waiting for the token while it is being issued.
    matches: exact('/oauth/token'),
    handle: (request, res) =>
      request.method !== 'POST'
        ? json(res, 405, { error: 'invalid_request' })
        : later(300, () => json(res, 200, { access_token: ISSUED_TOKEN, token_type: 'Bearer', expires_in: 3600 })),
  },
  {
    matches: exact('/me'),
    handle: (request, res) =>
      request.headers.authorization === `Bearer ${ISSUED_TOKEN}`
        ? json(res, 200, { me: 'client' })
        : json(res, 401, { message: 'bad token' }),
  },
  { matches: exact('/unbound'), handle: (request, res) => json(res, 200, echo(request)) },
]
