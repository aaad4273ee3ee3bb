import { createServer, type IncomingMessage, request, type Server } from 'node:http'
import { type AddressInfo, connect, type Socket } from 'node:net'

/** One request or tunnel that went through the proxy. */
export interface ProxiedCall {
  /** `'forward'` for an absolute-form request (`GET http://host/path`), `'tunnel'` for `CONNECT host:port`. */
  readonly kind: 'forward' | 'tunnel'
  /** The method the client sent the proxy (`CONNECT` for a tunnel). */
  readonly method: string
  /** `host:port` of the target. */
  readonly target: string
  /** The absolute URL of a forwarded request; `undefined` for a tunnel. */
  readonly url: string | undefined
}

/** A forward proxy on 127.0.0.1 that counts what passes through it. */
export interface TestProxy {
  /** `http://127.0.0.1:<port>`: the value for `HTTP_PROXY`, `HTTPS_PROXY` or a `ProxyAgent`. */
  readonly url: string
  /** Everything that went through, in order of arrival. */
  readonly passed: readonly ProxiedCall[]
  /** Closes the proxy, its connections and its tunnels. */
  close(): Promise<void>
}

// Headers for one hop only (RFC 9110 §7.6.1): the proxy does not pass them on.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

/**
 * Starts a forward proxy on 127.0.0.1 with an OS-chosen port. It handles absolute-form
 * requests (`GET http://127.0.0.1:8080/x HTTP/1.1`, how a client sends plain HTTP through a
 * proxy) and `CONNECT` tunnels (how it sends HTTPS, or anything when told to tunnel), and
 * forwards only to loopback targets: a test can never reach out through it.
 */
export async function startProxy(): Promise<TestProxy> {
  const passed: ProxiedCall[] = []
  const tunnels = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    let target: URL
    try {
      target = new URL(req.url ?? '')
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('a proxy expects an absolute URL')
      return
    }
    if (target.protocol !== 'http:' || !LOOPBACK.has(target.hostname)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('the test proxy forwards to loopback only')
      return
    }
    passed.push({ kind: 'forward', method: req.method ?? 'GET', target: target.host, url: target.href })
    const upstream = request(
      {
        host: target.hostname.replace(/^\[|\]$/g, ''),
        port: target.port || 80,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers: forwardedHeaders(req),
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedHeaders(answer))
        answer.pipe(res)
      },
    )
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end()
    })
    req.pipe(upstream)
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? ''
    const colon = authority.lastIndexOf(':')
    const host = authority.slice(0, colon).replace(/^\[|\]$/g, '')
    const port = Number(authority.slice(colon + 1))
    tunnels.add(client)
    client.on('close', () => tunnels.delete(client))
    client.on('error', () => client.destroy())
    if (colon === -1 || !LOOPBACK.has(host) || !Number.isInteger(port)) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n')
      return
    }
    passed.push({ kind: 'tunnel', method: 'CONNECT', target: authority, url: undefined })
    const upstream = connect(port, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    tunnels.add(upstream)
    upstream.on('close', () => {
      tunnels.delete(upstream)
      client.destroy()
    })
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
    })
    client.on('close', () => upstream.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    passed,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of tunnels) socket.destroy()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function forwardedHeaders(message: IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value
  }
  return headers
}
