import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from '../../middleware/index.ts'
import { createClient, HttpError, type Middleware, NetworkError } from '../../src/index.ts'
import { startServer, type TestServer } from '../support/server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    const status = req.url === '/missing' ? 404 : 201
    res.writeHead(status, {
      'content-type': 'application/vnd.test+json',
      'x-echo-method': req.method ?? '',
      'x-echo-header': String(req.headers['x-custom'] ?? ''),
      'x-echo-default': String(req.headers['x-default'] ?? ''),
    })
    res.end(JSON.stringify({ received: req.body }))
  })
})
afterAll(() => server.close())

describe('client.fetch', () => {
  it('passes a Request with headers and a body through the stack and returns the server’s Response', async () => {
    const seen: string[] = []
    const spy: Middleware = async (ctx, next) => {
      seen.push(`${ctx.request.method} ${ctx.request.peekUrl().pathname} raw=${ctx.raw}`)
      await next()
    }
    const client = createClient({ baseUrl: server.url, headers: { 'x-default': 'd' } })
      .use(parse())
      .use(spy)
    const request = new Request(`${server.url}/things?x=1`, {
      method: 'POST',
      headers: { 'x-custom': 'c', 'content-type': 'text/plain' },
      body: 'payload',
    })
    const response = await client.fetch(request)
    expect(response).toBeInstanceOf(Response)
    expect(response.status).toBe(201)
    expect(response.headers.get('content-type')).toBe('application/vnd.test+json')
    expect(response.headers.get('x-echo-method')).toBe('POST')
    expect(response.headers.get('x-echo-header')).toBe('c')
    expect(response.headers.get('x-echo-default')).toBe('d')
    // parse() is in the stack, yet the body is left for the caller.
    expect(await response.json()).toEqual({ received: 'payload' })
    expect(seen).toEqual(['POST /things raw=true'])
    expect(server.requests.at(-1)?.headers['content-type']).toBe('text/plain')
  })

  it('takes a relative URL and init like fetch, and does not throw for HTTP errors', async () => {
    const client = createClient({ baseUrl: server.url })
    const response = await client.fetch('/missing', { method: 'DELETE', headers: { 'x-custom': 'i' } })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-echo-method')).toBe('DELETE')
    expect(await response.json()).toEqual({ received: '' })
  })

  it('replays a Request body on every attempt', async () => {
    const before = server.requests.length
    const twice: Middleware = async (ctx, next) => {
      await next()
      await ctx.response?.body?.cancel()
      await next()
    }
    const client = createClient({ baseUrl: server.url }).use(twice)
    await client.fetch(new Request(`${server.url}/x`, { method: 'PUT', body: 'again' }))
    expect(server.requests.slice(before).map((request) => request.body)).toEqual(['again', 'again'])
  })

  it('works wherever a fetch is accepted', async () => {
    const consumer = async (fetchLike: typeof fetch) => (await fetchLike(`${server.url}/y`)).status
    const client = createClient()
    expect(await consumer(client.fetch.bind(client))).toBe(201)
  })

  it('rejects with ply errors for network failures', async () => {
    const closed = await startServer(() => {})
    await closed.close()
    await expect(createClient().fetch(`${closed.url}/`)).rejects.toBeInstanceOf(NetworkError)
    await expect(createClient().fetch(`${closed.url}/`)).rejects.not.toBeInstanceOf(HttpError)
  })
})
