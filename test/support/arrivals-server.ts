import type { Socket } from 'node:net'
import { startServer } from './server.ts'

/** A request as the server counted it: when it arrived, its path and the `pid` it named. */
export interface Arrival {
  /** `performance.now()` of the server's process when the request was seen. */
  readonly at: number
  readonly path: string
  readonly pid: string
}

/** A loopback server that records arrivals, holding the first request of each connection. */
export interface ArrivalsServer {
  readonly url: string
  readonly arrivals: Arrival[]
  /** The arrival times on `path`, in order. */
  times(path: string): number[]
  /** Connections the server saw (the first request of each arrived late). */
  connections(): number
  close(): Promise<void>
}

/**
 * Starts a server that answers 200 `ok` (with `headers`) and records when each request arrived. The first
 * request on each new connection is held `firstRequestDelayMs` before it counts as arrived,
 * as a TLS handshake or a slow network would hold it at a real API: arrivals then lag
 * releases by different amounts, which is what a limiter must hold against. `/warmup` is
 * answered with `Connection: close`, so the calls after it open connections of their own.
 */
export async function startArrivalsServer(
  firstRequestDelayMs = 150,
  headers: Readonly<Record<string, string>> = {},
): Promise<ArrivalsServer> {
  const seen = new WeakSet<Socket>()
  let connections = 0
  const arrivals: Arrival[] = []
  const server = await startServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (!seen.has(req.socket)) {
      seen.add(req.socket)
      connections += 1
      await new Promise((resolve) => setTimeout(resolve, firstRequestDelayMs))
    }
    arrivals.push({ at: performance.now(), path: url.pathname, pid: url.searchParams.get('pid') ?? '' })
    // A warm-up (of the Redis connection, say) leaves no warm HTTP connection behind.
    if (url.pathname === '/warmup') res.setHeader('connection', 'close')
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.end('ok')
  })
  return {
    url: server.url,
    arrivals,
    times: (path) => arrivals.filter((a) => a.path === path).map((a) => a.at),
    connections: () => connections,
    close: () => server.close(),
  }
}
