import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, HttpError, type Middleware, RedirectError } from '../../src/index.ts'
import { nextHop } from '../../src/redirect.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let a: TestServer
let b: TestServer

/** Origin A redirects by path; origin B (another port, so another origin) echoes. */
beforeAll(async () => {
  b = await startServer((req, res) => sendJson(res, 200, { at: 'b', method: req.method, body: req.body }))
  a = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://a')
    const status = Number(url.searchParams.get('status') ?? 302)
    if (url.pathname === '/to-b') return redirect(res, status, `${b.url}/landed${url.search}`)
    if (url.pathname === '/to-a') return redirect(res, status, '/landed')
    if (url.pathname === '/loop') return redirect(res, 302, '/loop')
    if (url.pathname === '/bad') return redirect(res, 302, 'http://[not a host')
    if (url.pathname === '/ftp') return redirect(res, 302, 'ftp://example.com/file')
    sendJson(res, 200, { at: 'a', method: req.method, body: req.body })
  })
})
afterAll(async () => {
  await a.close()
  await b.close()
})

function redirect(res: import('node:http').ServerResponse, status: number, location: string): void {
  res.writeHead(status, { location })
  res.end()
}

const lastAt = (server: TestServer) => server.requests.at(-1)

describe('redirects, followed by ply', () => {
  it('follows a same-origin redirect keeping the credentials', async () => {
    const response = await createClient({ baseUrl: a.url, headers: { authorization: 'Bearer t', cookie: 'c=1' } }).get(
      '/to-a',
    )
    expect(response.data).toMatchObject({ at: 'a' })
    expect(response.url).toBe(`${a.url}/landed`)
    expect(lastAt(a)?.headers.authorization).toBe('Bearer t')
    expect(lastAt(a)?.headers.cookie).toBe('c=1')
  })

  it('strips credentials on a redirect to another origin, declared ones included', async () => {
    const declare: Middleware = async (ctx, next) => {
      ctx.request.headers.set('x-api-key', 'k1')
      ctx.request.url.searchParams.set('appid', 'k2')
      ctx.state.credentialHeaders = new Set(['x-api-key'])
      ctx.state.credentialQuery = new Set(['appid'])
      await next()
    }
    const client = createClient({
      baseUrl: a.url,
      headers: { authorization: 'Bearer t', 'proxy-authorization': 'Basic p', cookie: 'c=1', 'x-keep': 'yes' },
    }).use(declare)
    const response = await client.get('/to-b', { query: { page: 2 } })
    expect(response.data).toMatchObject({ at: 'b' })
    const seen = lastAt(b)
    expect(seen?.url).toBe('/landed?page=2')
    expect(seen?.headers.authorization).toBeUndefined()
    expect(seen?.headers['proxy-authorization']).toBeUndefined()
    expect(seen?.headers.cookie).toBeUndefined()
    expect(seen?.headers['x-api-key']).toBeUndefined()
    expect(seen?.headers['x-keep']).toBe('yes')
    expect(lastAt(a)?.url).toBe('/to-b?page=2&appid=k2')
  })

  it('turns a POST into a GET without body on 303 (and 302), keeps both on 307', async () => {
    const client = createClient({ baseUrl: a.url })
    for (const status of [303, 302]) {
      const response = await client.post('/to-a', { query: { status }, json: { x: 1 } })
      expect(response.data).toMatchObject({ method: 'GET', body: '' })
      expect(lastAt(a)?.headers['content-type']).toBeUndefined()
    }
    const kept = await client.post('/to-a', { query: { status: 307 }, json: { x: 1 } })
    expect(kept.data).toMatchObject({ method: 'POST', body: '{"x":1}' })
    expect(lastAt(a)?.headers['content-type']).toBe('application/json')
  })

  it('stops a redirect loop at maxRedirects with a RedirectError', async () => {
    const before = a.requests.length
    const error = await createClient({ baseUrl: a.url, maxRedirects: 3 })
      .get('/loop')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedirectError)
    expect((error as RedirectError).reason).toBe('too-many')
    expect(a.requests.length - before).toBe(4)
  })

  it('returns the 3xx itself with maxRedirects: 0', async () => {
    const error = await createClient({ baseUrl: a.url, maxRedirects: 0 })
      .get('/to-b')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(302)
    expect((error as HttpError).headers.get('location')).toBe(`${b.url}/landed`)
  })

  it('refuses a Location that is not an http(s) URL', async () => {
    for (const path of ['/bad', '/ftp']) {
      const error = await createClient({ baseUrl: a.url })
        .get(path)
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RedirectError)
      expect((error as RedirectError).reason).toBe('bad-location')
    }
  })

  it('refuses an https → http downgrade unless allowed', () => {
    const hop = { method: 'GET', url: new URL('https://api.example.com/x'), headers: new Headers(), body: undefined }
    const request = () => ({ method: 'GET', url: 'https://api.example.com/x' })
    expect(() => nextHop(hop, 302, 'http://api.example.com/y', {}, { allowInsecureRedirects: false, request })).toThrow(
      RedirectError,
    )
    const allowed = nextHop(hop, 302, 'http://api.example.com/y', {}, { allowInsecureRedirects: true, request })
    expect(allowed.url.href).toBe('http://api.example.com/y')
    expect(() => createClient({ maxRedirects: -1 })).toThrow(/maxRedirects/)
  })
})
