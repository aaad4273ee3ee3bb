import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import tls from 'node:tls'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, HttpError, type Middleware, RedirectError } from '../../src/index.ts'
import { redactHeader } from '../../src/kit.ts'
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
    // `/hops/<n>` redirects n times before it answers.
    const hops = /^\/hops\/(\d+)$/.exec(url.pathname)
    if (hops && Number(hops[1]) > 0) return redirect(res, 302, `/hops/${Number(hops[1]) - 1}`)
    if (url.pathname === '/userinfo') return redirect(res, 302, `http://u:L0cation-PASSW0RD@127.0.0.1:${b.port}/x`)
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

  it('follows 10 redirects by default and refuses the 11th', async () => {
    const client = createClient({ baseUrl: a.url })
    const ten = await client.get('/hops/10')
    expect(ten.url).toBe(`${a.url}/hops/0`)
    const before = a.requests.length
    const error = await client.get('/hops/11').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedirectError)
    expect((error as RedirectError).reason).toBe('too-many')
    expect((error as RedirectError).message).toBe('more than 10 redirects')
    // The request and its 10 redirects; the 11th is not followed.
    expect(a.requests.length - before).toBe(11)
  })

  it('refuses a Location with user info, naming neither the URL nor the credentials', async () => {
    const before = b.requests.length
    const error = await createClient({ baseUrl: a.url })
      .get('/userinfo')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedirectError)
    expect((error as RedirectError).reason).toBe('bad-location')
    for (const view of [(error as Error).message, JSON.stringify(error), inspect(error, { depth: 20 })]) {
      expect(view).not.toMatch(/PASSW0RD|u:/)
    }
    expect(b.requests.length).toBe(before)
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

  it('drops Cookie, Proxy-Authorization and every header registered secret on a hop to another origin', () => {
    redactHeader('X-Registered-Token')
    const headers = new Headers({
      cookie: 'c=1',
      'proxy-authorization': 'Basic p',
      'x-registered-token': 't',
      'x-keep': 'yes',
    })
    const hop = { method: 'GET', url: new URL('https://api.example.com/x'), headers, body: undefined }
    const request = () => ({ method: 'GET', url: 'https://api.example.com/x' })
    const options = { allowInsecureRedirects: false, request }
    const elsewhere = nextHop(hop, 302, 'https://other.example.com/y', {}, options)
    expect([...elsewhere.headers.keys()]).toEqual(['x-keep'])
    // The request the redirect came from is left as it was, and a same-origin hop keeps them all.
    expect([...hop.headers.keys()]).toHaveLength(4)
    expect([...nextHop(hop, 302, '/y', {}, options).headers.keys()]).toHaveLength(4)
  })
})

/** A self-signed certificate for 127.0.0.1, made with openssl; `undefined` where openssl is missing. */
function selfSigned(): { key: Buffer; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'ply-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    )
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') }
  } catch {
    return undefined
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const tlsMaterial = selfSigned()

describe.skipIf(tlsMaterial === undefined)('an https → http downgrade through the real transport', () => {
  let secure: HttpsServer
  let secureUrl = ''
  const trusted = tls.getCACertificates('default')

  beforeAll(async () => {
    const { key, cert } = tlsMaterial as { key: Buffer; cert: string }
    // fetch trusts the test certificate for as long as this suite runs.
    tls.setDefaultCACertificates([...trusted, cert])
    secure = createHttpsServer({ key, cert }, (_req, res) => redirect(res, 302, `${b.url}/landed`))
    await new Promise<void>((resolve) => secure.listen(0, '127.0.0.1', resolve))
    secureUrl = `https://127.0.0.1:${(secure.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    tls.setDefaultCACertificates(trusted)
    secure.closeAllConnections()
    await new Promise<void>((resolve) => secure.close(() => resolve()))
  })

  it('is refused with a RedirectError, and followed without credentials when allowed', async () => {
    const before = b.requests.length
    const headers = { authorization: 'Bearer downgrade-token' }
    const error = await createClient({ baseUrl: secureUrl, headers })
      .get('/down')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RedirectError)
    expect((error as RedirectError).reason).toBe('downgrade')
    expect(b.requests.length).toBe(before)

    const allowed = await createClient({ baseUrl: secureUrl, headers, allowInsecureRedirects: true }).get('/down')
    expect(allowed.data).toMatchObject({ at: 'b' })
    expect(lastAt(b)?.headers.authorization).toBeUndefined()
  })
})
