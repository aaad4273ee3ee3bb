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

  it('lets init.headers replace a Request’s headers, as new Request(request, init) does', async () => {
    const client = createClient({ baseUrl: server.url, headers: { 'x-default': 'd' } })
    const request = new Request(`${server.url}/h`, { headers: { 'x-custom': 'from-request', 'x-other': 'o' } })
    const standard = new Request(request, { headers: { 'x-custom': 'from-init' } })
    expect(standard.headers.get('x-other')).toBeNull()
    const response = await client.fetch(request, { headers: { 'x-custom': 'from-init' } })
    expect(response.headers.get('x-echo-header')).toBe('from-init')
    const seen = server.requests.at(-1)?.headers
    expect(seen?.['x-custom']).toBe('from-init')
    expect(seen?.['x-other']).toBeUndefined()
    // The client's defaults are not the Request's: they stay.
    expect(seen?.['x-default']).toBe('d')
    // Without init.headers, the Request's headers are sent.
    await client.fetch(request)
    expect(server.requests.at(-1)?.headers['x-other']).toBe('o')
  })

  it('labels a form body with its own type over a client default content-type', async () => {
    const client = createClient({ baseUrl: server.url, headers: { 'content-type': 'application/json' } })
    await client.fetch('/f', { method: 'POST', body: new URLSearchParams({ a: '1' }) })
    expect(server.requests.at(-1)?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/)
    const form = new FormData()
    form.set('field', 'value')
    await client.fetch('/f', { method: 'POST', body: form })
    expect(server.requests.at(-1)?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/)
    await client.fetch('/f', { method: 'POST', body: form, headers: { 'content-type': 'text/x-mine' } })
    expect(server.requests.at(-1)?.headers['content-type']).toBe('text/x-mine')
    await client.fetch('/f', { method: 'POST', body: '{}' })
    expect(server.requests.at(-1)?.headers['content-type']).toBe('application/json')
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
    // Unbound: client.fetch is bound to its client already.
    expect(await consumer(client.fetch)).toBe(201)
  })

  it('rejects with ply errors for network failures', async () => {
    const closed = await startServer(() => {})
    await closed.close()
    await expect(createClient().fetch(`${closed.url}/`)).rejects.toBeInstanceOf(NetworkError)
    await expect(createClient().fetch(`${closed.url}/`)).rejects.not.toBeInstanceOf(HttpError)
  })
})
