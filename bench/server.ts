/**
 * The benchmark's loopback server, run as its own process (see `startServer` in
 * `./spawn.ts`) so that its work does not share an event loop with the clients measured.
 * It prints its port on stdout and exits when its stdin closes, which happens when the
 * parent closes it or exits for any reason (even SIGKILL): no orphan is left behind.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PAYLOAD } from './payload.ts'

// Serialised once: the bench measures the clients, not this server.
const body = Buffer.from(JSON.stringify(PAYLOAD))
const jsonHeaders = { 'content-type': 'application/json', 'content-length': body.byteLength }

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/json') {
    res.writeHead(200, jsonHeaders)
    res.end(body)
    return
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
