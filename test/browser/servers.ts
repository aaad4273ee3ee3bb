import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type ArrivedRequest, apiRoutes } from './routes.ts'

/** The two loopback origins of the browser suite. */
export interface BrowserServers {
  /** The page's origin, `http://127.0.0.1:<port>`: serves the page and the bundled script. */
  pageUrl: string
  /** The API's origin, another port, so every call from the page is a cross-origin (CORS) one. */
  apiUrl: string
  /** Every request the API origin received, preflights included, in order of arrival. */
  requests: ArrivedRequest[]
  close(): Promise<void>
}

// What a browser needs to let the page send ply's headers and read the ones ply acts on.
// Without the exposed ones, fetch hides them and retry, cache and rateLimit cannot see them.
const ALLOWED_HEADERS = 'authorization, content-type, idempotency-key, if-none-match, if-modified-since, x-api-key'
const EXPOSED_HEADERS =
  'etag, date, age, retry-after, ratelimit, ratelimit-policy, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, link, location'

function withCors(res: ServerResponse): void {
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-expose-headers', EXPOSED_HEADERS)
}

function preflight(res: ServerResponse): void {
  withCors(res)
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE',
    'access-control-allow-headers': ALLOWED_HEADERS,
    // Not cached: each scenario's preflight reaches the server and shows up in `requests`.
    'access-control-max-age': '0',
  })
  res.end()
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  )
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
}

function apiServer(requests: ArrivedRequest[]): Server {
  const counts = new Map<string, number>()
  return createServer((req, res) => {
    const chunks: Uint8Array[] = []
    req.on('data', (chunk: Uint8Array) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://api.invalid')
      const request: ArrivedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: new TextDecoder().decode(Buffer.concat(chunks)),
        at: performance.now(),
      }
      requests.push(request)
      if (request.method === 'OPTIONS') return preflight(res)
      withCors(res)
      const count = (counts.get(request.path) ?? 0) + 1
      counts.set(request.path, count)
      const route = apiRoutes.find(({ matches }) => matches(request.path))
      if (route === undefined) {
        res.writeHead(404, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        res.end(JSON.stringify({ message: `no route for ${request.path}` }))
        return
      }
      route.handle(request, res, count)
    })
  })
}

function pageServer(bundle: string): Server {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><title>ply in a browser</title></head>' +
    '<body><script type="module" src="/scenarios.js"></script></body></html>'
  return createServer((req, res) => {
    if (req.url === '/scenarios.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' })
      res.end(bundle)
    } else if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      res.end(html)
    } else {
      res.writeHead(404)
      res.end()
    }
  })
}

/** Starts the page origin (serving `bundle` as its module script) and the API origin with CORS. */
export async function startBrowserServers(bundle: string): Promise<BrowserServers> {
  const requests: ArrivedRequest[] = []
  const page = pageServer(bundle)
  const api = apiServer(requests)
  const [pageUrl, apiUrl] = await Promise.all([listen(page), listen(api)])
  return {
    pageUrl,
    apiUrl,
    requests,
    close: async () => {
      await Promise.all([stop(page), stop(api)])
    },
  }
}
