import ky, { HTTPError } from 'ky'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, type Middleware } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url?.startsWith('/missing')) return sendJson(res, 404, { error: 'no such thing' })
    sendJson(res, 200, { path: req.url, tag: req.headers['x-tag'] ?? null })
  })
})
afterAll(() => server.close())

/** A client over `server` whose stack counts the calls that pass through it. */
function countingClient(tag = 'parent') {
  const calls: string[] = []
  const count: Middleware = (ctx, next) => {
    calls.push(`${ctx.request.method} ${ctx.request.peekUrl().pathname}`)
    return next()
  }
  const api = createClient({ baseUrl: server.url, headers: { 'x-tag': tag } }).use(count)
  return { api, calls }
}

/** How many requests for `path` the server received since `from`. */
const received = (path: string, from: number) => server.requests.slice(from).filter((r) => r.url === path).length

describe('client.fetch is a fetch of its own', () => {
  it('works unbound, and is one function per client', async () => {
    const { api, calls } = countingClient()
    const f = api.fetch
    expect(api.fetch).toBe(f)
    const response = await f('/unbound')
    expect(response).toBeInstanceOf(Response)
    expect(await response.json()).toEqual({ path: '/unbound', tag: 'parent' })
    expect(calls).toEqual(['GET /unbound'])
  })

  it('resolves to the Response for an HTTP error status instead of throwing', async () => {
    const { api } = countingClient()
    const f = api.fetch
    const response = await f('/missing/1')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: 'no such thing' })
  })

  it('plugs into a function that takes a fetch and calls it with a Request', async () => {
    const { api, calls } = countingClient()
    // The shape of openapi-fetch's and similar libraries' use of a `fetch` option.
    const consumer = async (options: { fetch: (request: Request) => Promise<Response> }) => {
      const response = await options.fetch(new Request(`${server.url}/consumer`, { method: 'POST', body: 'x' }))
      return response.json()
    }
    expect(await consumer({ fetch: api.fetch })).toEqual({ path: '/consumer', tag: 'parent' })
    expect(calls).toEqual(['POST /consumer'])
  })

  it('keeps an extended client’s fetch bound to the child', async () => {
    const { api, calls } = countingClient()
    const child = api.extend({ headers: { 'x-tag': 'child' } })
    const f = child.fetch
    expect(f).not.toBe(api.fetch)
    expect(await (await f('/child')).json()).toEqual({ path: '/child', tag: 'child' })
    expect(await (await api.fetch('/parent')).json()).toEqual({ path: '/parent', tag: 'parent' })
    // The child starts with the parent's middlewares: each call went through them once.
    expect(calls).toEqual(['GET /child', 'GET /parent'])
  })
})

describe('globalThis.fetch = api.fetch', () => {
  it('routes a plain fetch() through the stack once, and the server sees one request', async () => {
    const { api, calls } = countingClient()
    const before = server.requests.length
    const original = globalThis.fetch
    try {
      globalThis.fetch = api.fetch
      const response = await fetch(`${server.url}/global`)
      expect(await response.json()).toEqual({ path: '/global', tag: 'parent' })
      // A child made after the swap sends with the fetch its parent captured, not through the parent.
      const child = api.extend({ headers: { 'x-tag': 'child' } })
      expect(await (await child.fetch('/global-child')).json()).toEqual({ path: '/global-child', tag: 'child' })
    } finally {
      globalThis.fetch = original
    }
    expect(calls).toEqual(['GET /global', 'GET /global-child'])
    expect(received('/global', before)).toBe(1)
    expect(received('/global-child', before)).toBe(1)
  })
})

describe('ky with fetch: api.fetch', () => {
  it('sends through the stack and reads the body as ky does', async () => {
    const { api, calls } = countingClient()
    const before = server.requests.length
    const client = ky.create({ prefix: server.url, fetch: api.fetch, retry: 0 })
    expect(await client.get('ky').json()).toEqual({ path: '/ky', tag: 'parent' })
    expect(calls).toEqual(['GET /ky'])
    expect(received('/ky', before)).toBe(1)
  })

  it('leaves HTTP errors to ky, which sees the status', async () => {
    const { api } = countingClient()
    const client = ky.create({ prefix: server.url, fetch: api.fetch, retry: 0 })
    const error = await client.get('missing/ky').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HTTPError)
    expect((error as HTTPError).response.status).toBe(404)
  })
})
