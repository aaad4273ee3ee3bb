import type { ServerResponse } from 'node:http'
import { type Handler, sendJson } from './server.ts'

/** Responses that never finish, kept so that tests can end them in `afterAll`. */
const stalled = new Set<ServerResponse>()

/** Ends the responses `/never` and `/stall-body` left open. */
export function releaseStalled(): void {
  for (const res of stalled) res.destroy()
  stalled.clear()
}

/**
 * The routes most client tests use: `/echo` (returns what it received), `/status/<code>`,
 * `/never` (never answers), `/stall-body` (headers, then a body that never ends),
 * `/bad-json` (text labelled JSON), `/text`, `/bytes`, `/problem` (`+json`).
 */
export const routes: Handler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const status = /^\/status\/(\d{3})$/.exec(url.pathname)
  if (status) {
    const code = Number(status[1])
    if (code === 204 || code === 205 || code === 304) {
      res.writeHead(code)
      res.end()
    } else {
      sendJson(res, code, { message: `status ${code}` })
    }
    return
  }
  switch (url.pathname) {
    case '/never':
      stalled.add(res)
      return
    case '/stall-body':
      stalled.add(res)
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"partial":')
      return
    case '/bad-json':
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end('{"ok": tru')
      return
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
      res.end('héllo')
      return
    case '/bytes':
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      res.end(Buffer.from([0, 1, 2, 255]))
      return
    case '/problem':
      res.writeHead(200, { 'content-type': 'application/problem+json' })
      res.end('{"title":"typed"}')
      return
    case '/empty-json':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' })
      res.end()
      return
    default:
      sendJson(res, 200, {
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'] ?? null,
        headers: req.headers,
        body: req.body,
      })
  }
}
