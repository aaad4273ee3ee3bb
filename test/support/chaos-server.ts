import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * A loopback server that misbehaves on request. The path names the behaviour, the query
 * string tunes it, and anything after the behaviour's own segments is free (tests add `/n` or
 * `?n=` to keep calls apart from dedupe and the cache):
 *
 * | Path | Behaviour |
 * | --- | --- |
 * | `/ok/…` | 200 JSON; `?maxAge=s` adds `Cache-Control: max-age=s` |
 * | `/slow/…?ms=n` | 200 JSON after `n` ms (default 100) |
 * | `/reset-before/…` | the connection is reset (RST) before any byte of the response |
 * | `/reset-during/…` | headers and half the body, then the connection is reset |
 * | `/truncated/…` | `Content-Length: 100`, 10 bytes, then the connection is closed |
 * | `/malformed/…` | 200 `application/json` that is not JSON |
 * | `/status/<code>/…?retryAfter=v` | that status, with `Retry-After: v` when given |
 * | `/redirect/…?to=url` | 302 to `to` (another origin when it names the other server) |
 * | `/loop/…` | 302 to itself, forever |
 * | `/never/…` | never answers; the connection is held until `close()` |
 *
 * Every request is counted by method and pathname (`POST /status/503/x`), and by behaviour
 * (`POST status/503`), and whether it carried an `Authorization` header is recorded.
 */
export interface ChaosServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Requests received, by `METHOD /pathname`. */
  readonly byPath: ReadonlyMap<string, number>
  /** Requests received, by `METHOD behaviour` (`GET ok`, `POST status/503`, `GET never`). */
  readonly byBehaviour: ReadonlyMap<string, number>
  /** Requests that arrived with an `Authorization` header. */
  readonly authorized: number
  /** Requests received in all. */
  readonly total: number
  /** Requests received for `METHOD behaviour`; 0 when none. */
  hits(method: string, behaviour: string): number
  /** Stops listening and destroys every connection, held ones included. */
  close(): Promise<void>
}

/** A body that is not JSON, sent as JSON. */
const MALFORMED = '{"ok": tru'

/** Starts a chaos server on 127.0.0.1 with an OS-chosen port. */
export async function startChaosServer(): Promise<ChaosServer> {
  const byPath = new Map<string, number>()
  const byBehaviour = new Map<string, number>()
  const sockets = new Set<Socket>()
  let authorized = 0
  let total = 0
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1)

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://chaos')
    const method = req.method ?? 'GET'
    const behaviour = behaviourOf(url.pathname)
    total += 1
    if (req.headers.authorization !== undefined) authorized += 1
    add(byPath, `${method} ${url.pathname}`)
    add(byBehaviour, `${method} ${behaviour}`)
    // The request body is not needed; reading it keeps the connection usable for the next one.
    req.resume()
    respond(behaviour, url, req, res)
  })
  server.keepAliveTimeout = 5_000
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  // A client that resets or gives up mid-request is part of the game, not a server error.
  server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    byPath,
    byBehaviour,
    get authorized() {
      return authorized
    },
    get total() {
      return total
    },
    hits: (method, behaviour) => byBehaviour.get(`${method.toUpperCase()} ${behaviour}`) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

/** The behaviour a path names: its first segment, and for `/status/<code>` the code too. */
export function behaviourOf(pathname: string): string {
  const [, first = '', second = ''] = pathname.split('/')
  return first === 'status' ? `status/${second}` : first
}

function respond(behaviour: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
  switch (behaviour) {
    case 'ok':
      json(res, 200, { ok: true, path: url.pathname }, cacheHeaders(url))
      return
    case 'slow': {
      const timer = setTimeout(
        () => json(res, 200, { ok: true, slow: true }),
        Number(url.searchParams.get('ms') ?? 100),
      )
      res.on('close', () => clearTimeout(timer))
      return
    }
    case 'reset-before':
      req.socket.resetAndDestroy()
      return
    case 'reset-during':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '40' })
      res.write('{"partial": "twenty bytes')
      // Flushed first, so that the client has the headers and part of the body when the reset comes.
      setImmediate(() => req.socket.resetAndDestroy())
      return
    case 'truncated':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"cut": "h')
      setImmediate(() => req.socket.destroy())
      return
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(MALFORMED) })
      res.end(MALFORMED)
      return
    case 'redirect':
      redirect(res, url.searchParams.get('to') ?? '/ok/redirected')
      return
    case 'loop':
      redirect(res, `${url.pathname}${url.search}`)
      return
    case 'never':
      // Held until the client gives up or the server closes.
      return
    default: {
      const status = /^status\/(\d{3})$/.exec(behaviour)
      if (status) {
        const retryAfter = url.searchParams.get('retryAfter')
        const code = Number(status[1])
        json(res, code, { status: code }, retryAfter ? { 'retry-after': retryAfter } : {})
        return
      }
      json(res, 404, { error: `no behaviour '${behaviour}'` })
      return
    }
  }
}

function cacheHeaders(url: URL): Record<string, string> {
  const maxAge = url.searchParams.get('maxAge')
  return maxAge === null ? { 'cache-control': 'no-store' } : { 'cache-control': `max-age=${maxAge}` }
}

function json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers })
  res.end(body)
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'content-length': '0' })
  res.end()
}
