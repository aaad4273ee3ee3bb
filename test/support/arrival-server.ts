import { createServer as createHttpServer, type ServerResponse } from 'node:http'
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net'

/** A loopback origin that records when each request arrives, behind a proxy that slows new connections. */
export interface ArrivalServer {
  /** The proxy's URL: what a client calls. */
  readonly url: string
  /** `performance.now()` at each request's arrival at the origin, in order. */
  readonly arrivals: number[]
  /** Connections the proxy accepted. */
  readonly connections: () => number
  close(): Promise<void>
}

/**
 * An origin and a TCP proxy in front of it that holds the first bytes of each new connection
 * for `firstRequestDelayMs`, as a TLS handshake does on a real API: the first request on a new
 * connection arrives that much after it was sent, later ones on the same connection at once.
 * `answer` writes each response (default: 200 with `{}`).
 */
export async function startArrivalServer(
  firstRequestDelayMs: number,
  answer: (res: ServerResponse, index: number) => void = (res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  },
): Promise<ArrivalServer> {
  const arrivals: number[] = []
  const origin = createHttpServer((req, res) => {
    arrivals.push(performance.now())
    req.resume()
    req.on('end', () => answer(res, arrivals.length - 1))
  })
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))
  const originPort = (origin.address() as AddressInfo).port
  const sockets = new Set<Socket>()
  let accepted = 0
  const proxy = createTcpServer((client) => {
    accepted += 1
    const upstream = connect(originPort, '127.0.0.1')
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => undefined)
    }
    client.pause()
    const timer = setTimeout(() => {
      client.pipe(upstream)
      upstream.pipe(client)
    }, firstRequestDelayMs)
    client.on('close', () => {
      clearTimeout(timer)
      upstream.destroy()
    })
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const port = (proxy.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    connections: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      origin.closeAllConnections()
      await Promise.all([
        new Promise<void>((resolve) => proxy.close(() => resolve())),
        new Promise<void>((resolve) => origin.close(() => resolve())),
      ])
    },
  }
}
