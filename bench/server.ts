/**
 * The benchmark's loopback server, run as its own process (see `startServer` in
 * `./spawn.ts`) so that its work does not share an event loop with the clients measured.
 * It prints its port on stdout and exits when its stdin closes, which happens when the
 * parent closes it or exits for any reason (even SIGKILL): no orphan is left behind.
 *
 * Routes: `GET /json` (the payload), `GET /cached` (the same payload, cacheable for an hour,
 * with an ETag; a matching `If-None-Match` gets a 304) and `GET /count` (how many requests
 * `/cached` has had so far, as a JSON number, so that a cache bench can prove its hits).
 */
import { createServer, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PAYLOAD } from './payload.ts'

// Serialised once: the bench measures the clients, not this server.
const body = Buffer.from(JSON.stringify(PAYLOAD))
const jsonHeaders = { 'content-type': 'application/json', 'content-length': body.byteLength }
const etag = '"payload-v1"'
const cacheHeaders = { 'cache-control': 'public, max-age=3600', etag }

let cachedRequests = 0

const cachedHeaders = { ...jsonHeaders, ...cacheHeaders }

function sendJson(res: ServerResponse, data: Buffer, headers: OutgoingHttpHeaders): void {
  res.writeHead(200, headers)
  res.end(data)
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/json') return sendJson(res, body, jsonHeaders)
  if (req.method === 'GET' && req.url === '/cached') {
    cachedRequests++
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, cacheHeaders)
      res.end()
      return
    }
    return sendJson(res, body, cachedHeaders)
  }
  if (req.method === 'GET' && req.url === '/count') {
    const count = Buffer.from(String(cachedRequests))
    return sendJson(res, count, { 'content-type': 'application/json', 'content-length': count.byteLength })
  }
  res.writeHead(404, { 'content-length': 0 })
  res.end()
})
// Longer than the gap between two turns of one client (the other clients run meanwhile), so
// that every turn reuses its warm keep-alive connections instead of reconnecting.
server.keepAliveTimeout = 120_000

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})

process.stdin.on('close', () => process.exit(0))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
