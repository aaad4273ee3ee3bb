/**
 * The benchmark's loopback server, run as its own process (see `startServer` in
 * `./spawn.ts`) so that its work does not share an event loop with the clients measured.
 * It prints its port on stdout and exits when its stdin closes, which happens when the
 * parent closes it or exits for any reason (even SIGKILL): no orphan is left behind.
 *
 * Routes (the query string is ignored, so that clients can make every URL distinct):
 * - `GET /json`: the payload.
 * - `GET /nostore`: the same payload with `Cache-Control: no-store` (the throughput bench's
 *   route: a cache in the stack runs its whole miss path every call).
 * - `GET /cached`: the payload, cacheable for an hour, with an ETag; a matching
 *   `If-None-Match` gets a 304.
 * - `GET /count` and `GET /count/nostore`: how many requests `/cached` and `/nostore` have had
 *   so far, as a JSON number, so that a bench can prove its cache hits, or that no call was
 *   merged with another.
 * - `GET /slow`: the `/nostore` answer, held until `GET /release` (or `HOLD_SAFETY_MS`);
 *   `GET /pending` says how many are held, `GET /release` answers them all and says how
 *   many it released, and `GET /expired` how many the safety timeout answered instead (the
 *   memory bench, `./memory.ts`).
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PAYLOAD } from './payload.ts'
import { HeldResponses } from './server-hold.ts'

// Serialised once: the bench measures the clients, not this server.
const body = Buffer.from(JSON.stringify(PAYLOAD))
const jsonHeaders = { 'content-type': 'application/json', 'content-length': body.byteLength }
const noStoreHeaders = { ...jsonHeaders, 'cache-control': 'no-store' }
const etag = '"payload-v1"'
const cacheHeaders = { 'cache-control': 'public, max-age=3600', etag }
const cachedHeaders = { ...jsonHeaders, ...cacheHeaders }

/**
 * The longest a `/slow` response is held: long enough for a client to open 10,000 requests
 * and be measured, short of the clients' own 10 s timeouts, so that nothing can hang.
 */
const HOLD_SAFETY_MS = 8_000

let cachedRequests = 0
let noStoreRequests = 0

function sendJson(res: ServerResponse, data: Buffer, headers: OutgoingHttpHeaders): void {
  res.writeHead(200, headers)
  res.end(data)
}

function sendNumber(res: ServerResponse, n: number): void {
  const text = Buffer.from(String(n))
  sendJson(res, text, { 'content-type': 'application/json', 'content-length': text.byteLength })
}

const held = new HeldResponses((res) => sendJson(res, body, noStoreHeaders), HOLD_SAFETY_MS)

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/json': (_req, res) => sendJson(res, body, jsonHeaders),
  '/nostore': (_req, res) => {
    noStoreRequests++
    sendJson(res, body, noStoreHeaders)
  },
  '/cached': (req, res) => {
    cachedRequests++
    if (req.headers['if-none-match'] !== etag) return sendJson(res, body, cachedHeaders)
    res.writeHead(304, cacheHeaders)
    res.end()
  },
  '/count': (_req, res) => sendNumber(res, cachedRequests),
  '/count/nostore': (_req, res) => sendNumber(res, noStoreRequests),
  '/slow': (_req, res) => held.hold(res),
  '/pending': (_req, res) => sendNumber(res, held.size),
  '/release': (_req, res) => sendNumber(res, held.release()),
  '/expired': (_req, res) => sendNumber(res, held.expired),
}

const server = createServer((req, res) => {
  const url = req.url ?? ''
  const query = url.indexOf('?')
  const route = req.method === 'GET' ? routes[query === -1 ? url : url.slice(0, query)] : undefined
  if (route !== undefined) return route(req, res)
  res.writeHead(404, { 'content-length': 0 })
  res.end()
})
// Longer than the gap between two turns of one client (the other clients run meanwhile), so
// that every turn reuses its warm keep-alive connections instead of reconnecting.
server.keepAliveTimeout = 120_000

// The memory bench opens 10,000 connections at once; the default backlog (511) would make
// the kernel drop connection attempts and the clients retry them after a second or more.
// Linux caps the backlog at net.core.somaxconn (4,096 on the bench machine).
server.listen({ port: 0, host: '127.0.0.1', backlog: 16_384 }, () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})

process.stdin.on('close', () => process.exit(0))
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
