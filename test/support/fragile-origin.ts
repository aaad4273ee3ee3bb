import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

/**
 * What a fragile origin does with what reaches it: `'reset'` resets every connection as it
 * opens (before any byte is read), `'ok'` answers 200 JSON, `'503'` answers 503, `'429'`
 * answers 429, `'hold'` keeps each request unanswered until `release()`.
 */
export type OriginMode = 'reset' | 'ok' | '503' | '429' | 'hold'

/** A loopback origin whose behaviour a test switches, counting what reached it. */
export interface FragileOrigin {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  mode: OriginMode
  /** Connections opened to it, reset ones included. */
  readonly connections: number
  /** Requests it read (none while it resets connections). */
  readonly requests: number
  /** Answers the requests held by `'hold'` with 200, or with `status`. */
  release(status?: number): void
  close(): Promise<void>
}

/** Starts a fragile origin on 127.0.0.1 with an OS-chosen port, in `mode`. */
export async function startFragileOrigin(mode: OriginMode = 'ok'): Promise<FragileOrigin> {
  const sockets = new Set<Socket>()
  const held: ((status: number) => void)[] = []
  let connections = 0
  let requests = 0
  const server: Server = createServer((req, res) => {
    requests += 1
    req.resume()
    const answer = (status: number) => {
      const body = JSON.stringify({ status })
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    }
    if (current === 'hold') held.push(answer)
    else answer(current === '503' ? 503 : current === '429' ? 429 : 200)
  })
  server.on('connection', (socket: Socket) => {
    connections += 1
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    if (current === 'reset') socket.resetAndDestroy()
  })
  server.on('clientError', (_error, socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let current = mode
  const origin: FragileOrigin = {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return current
    },
    // Switching to 'reset' ends the kept-alive connections too: every later request needs a new one.
    set mode(next: OriginMode) {
      current = next
      if (next === 'reset') for (const socket of sockets) socket.destroy()
    },
    get connections() {
      return connections
    },
    get requests() {
      return requests
    },
    release: (status = 200) => {
      for (const answer of held.splice(0)) answer(status)
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
  return origin
}
