// Credentials stay with their origin along every path a call can take to another one: a
// redirect followed by a retry, a Link that paginate would follow, an extend() child, a
// middleware that rewrites the URL; and the options' checks at construction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { retry } from '../../middleware/retry/index.ts'
import { Client, ConfigError, compose, createClient, type Middleware, PlyError } from '../../src/index.ts'
import { ACCESS_TOKEN, BEARER, holdsCredential, schemes } from '../support/auth-schemes.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let a: TestServer
let b: TestServer

beforeAll(async () => {
  b = await startServer((req, res) => {
    if (req.url?.startsWith('/unavailable')) return sendJson(res, 503, { at: 'b' })
    sendJson(res, 200, { at: 'b' })
  })
  a = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', a.url)
    if (url.pathname === '/token') {
      return sendJson(res, 200, { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 })
    }
    if (url.pathname === '/away') {
      res.writeHead(302, { location: `${b.url}/unavailable${url.search}` })
      res.end()
      return
    }
    if (url.pathname === '/pages') return sendJson(res, 200, [1], { link: `<${b.url}/pages?page=2>; rel="next"` })
    sendJson(res, 200, { at: 'a' })
  })
})
afterAll(async () => {
  await a.close()
  await b.close()
})

const SCHEMES = schemes(() => a.url)

describe('a redirect to another origin, then a retry of the 503 it led to', () => {
  for (const [name, scheme] of Object.entries(SCHEMES)) {
    it(`${name}: B sees both attempts, neither with the credential; A sees it on both`, async () => {
      const [atA, atB] = [a.requests.length, b.requests.length]
      const response = await createClient({ baseUrl: a.url, throwHttpErrors: false })
        .use(retry({ retries: 1, minDelay: 1, maxDelay: 1 }))
        .use(scheme.make())
        .get('/away', { query: { q: 'x' } })
      expect(response.status).toBe(503)
      expect(response.attempts).toBe(2)
      const seenByB = b.requests.slice(atB)
      expect(seenByB.map((request) => request.url)).toEqual(['/unavailable?q=x', '/unavailable?q=x'])
      expect(seenByB.filter(holdsCredential)).toEqual([])
      const signedAtA = a.requests.slice(atA).filter((request) => request.url.startsWith('/away'))
      expect(signedAtA.map(scheme.carried)).toEqual([scheme.expected, scheme.expected])
    })
  }

  it('Cookie and Proxy-Authorization are stripped with the credential', async () => {
    await createClient({
      baseUrl: a.url,
      throwHttpErrors: false,
      headers: { cookie: 'session=origin-cookie', 'proxy-authorization': 'Basic origin-proxy' },
    })
      .use(auth.bearer(BEARER))
      .get('/away')
    const seen = b.requests.at(-1)
    expect(seen?.headers.cookie).toBeUndefined()
    expect(seen?.headers['proxy-authorization']).toBeUndefined()
    expect(seen?.headers.authorization).toBeUndefined()
    expect(a.requests.at(-1)?.headers.cookie).toBe('session=origin-cookie')
  })
})

describe('paginate', () => {
  it('does not follow a Link to another origin, unsigned or not: B sees nothing', async () => {
    for (const crossOrigin of ['refuse', 'unsigned'] as const) {
      const before = b.requests.length
      const api = createClient({ baseUrl: a.url }).use(auth.bearer(BEARER, { crossOrigin }))
      const pages: unknown[] = []
      const error = await (async () => {
        for await (const page of api.paginate('/pages').pages()) pages.push(page.data)
      })().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PlyError)
      expect((error as Error).message).toContain('the next page is on another origin')
      expect(pages).toEqual([[1]])
      expect(b.requests.length).toBe(before)
    }
  })
})

describe('which origin a credential is bound to', () => {
  it('an extend() child with a baseUrl of its own binds it to that origin', async () => {
    const parent = createClient({ baseUrl: a.url }).use(auth.bearer(BEARER))
    const child = parent.extend({ baseUrl: b.url })
    await child.get('/x')
    expect(b.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BEARER}`)
    await expect(child.get(`${a.url}/x`)).rejects.toThrow(`bound to ${b.url} (the client's baseUrl)`)
    await expect(parent.get(`${b.url}/x`)).rejects.toThrow(`bound to ${a.url} (the client's baseUrl)`)
  })

  it('with origins, an extend() child elsewhere stays refused', async () => {
    const child = createClient({ baseUrl: a.url })
      .use(auth.bearer(BEARER, { origins: [a.url] }))
      .extend({ baseUrl: b.url })
    const before = b.requests.length
    await expect(child.get('/x')).rejects.toThrow(ConfigError)
    expect(b.requests.length).toBe(before)
  })

  it('compares origins as URL.origin writes them: case, default port and a trailing / do not matter', async () => {
    const upper = `HTTP://127.0.0.1:${b.port}/`
    await createClient()
      .use(auth.bearer(BEARER, { origins: [upper, 'https://api.example.com:443'] }))
      .get(`${b.url}/x`)
    expect(b.requests.at(-1)?.headers.authorization).toBe(`Bearer ${BEARER}`)
    // localhost and 127.0.0.1 are different origins.
    await expect(
      createClient()
        .use(auth.bearer(BEARER, { origins: [b.url] }))
        .get(`http://localhost:${b.port}/x`),
    ).rejects.toThrow(`the call goes to http://localhost:${b.port}`)
  })

  it('a middleware that rewrites the URL after prepare() is refused by the auth middleware itself, with the same error', async () => {
    const toB: Middleware = (ctx, next) => {
      ctx.request.url = new URL(`${b.url}/moved`)
      return next()
    }
    const before = b.requests.length
    const rewritten = await createClient({ baseUrl: a.url })
      .use(toB)
      .use(auth.bearer(BEARER))
      .get('/x')
      .catch((e: unknown) => e)
    const direct = await createClient({ baseUrl: a.url })
      .use(auth.bearer(BEARER))
      .get(`${b.url}/moved`)
      .catch((e: unknown) => e)
    expect(rewritten).toBeInstanceOf(ConfigError)
    expect((rewritten as Error).message).toBe((direct as Error).message)
    expect(b.requests.length).toBe(before)
  })

  it('a refused call runs no middleware: it is refused before the onion starts', async () => {
    let ran = 0
    const outer: Middleware = (_ctx, next) => {
      ran++
      return next()
    }
    const api = createClient({ baseUrl: a.url }).use(outer).use(auth.bearer(BEARER))
    await expect(api.get(`${b.url}/x`)).rejects.toThrow(ConfigError)
    expect(ran).toBe(0)
  })
})

describe('construction', () => {
  it.each([
    [
      'a path',
      ['https://api.example.com/v1'],
      /origins\[0\] 'https:\/\/api\.example\.com\/v1' is not an origin \(it has a path\)/,
    ],
    ['no scheme', ['api.example.com'], /origins\[0\] 'api\.example\.com' is not an origin \(not an absolute URL\)/],
    [
      'another scheme',
      ['ftp://api.example.com'],
      /origins\[0\] 'ftp:\/\/api\.example\.com' is not an origin \(ftp: is not http: or https:\)/,
    ],
    [
      'user info',
      ['https://user:origin-pw@api.example.com'],
      /origins\[0\] 'https:\/\/\[REDACTED\]:\[REDACTED\]@api\.example\.com\/' is not an origin \(it has user info\)/,
    ],
    ['a query', ['https://api.example.com?'], /is not an origin \(it has a query or a fragment\)/],
    ['a number', [443], /origins\[0\] number is not an origin \(not a string\)/],
    ['an empty list', [], /origins is empty/],
    [
      'a string rather than a list',
      'https://api.example.com',
      /origins must be a list of origins or a function, got string/,
    ],
  ])('an origins option with %s is a ConfigError naming it', (_name, origins, message) => {
    for (const make of Object.values(SCHEMES)) {
      expect(() => make.make({ origins: origins as never })).toThrow(ConfigError)
      expect(() => make.make({ origins: origins as never })).toThrow(message)
    }
  })

  it('crossOrigin is refuse or unsigned', () => {
    expect(() => auth.bearer(BEARER, { crossOrigin: 'allow' as never })).toThrow(
      "auth.bearer(): crossOrigin must be 'refuse' or 'unsigned', got allow",
    )
  })

  it('without a baseUrl, new Client(options, middlewares) and a compose() refuse it too', () => {
    expect(() => new Client({}, [auth.bearer(BEARER)])).toThrow(/auth\.bearer\(\): the client has no baseUrl/)
    expect(() => createClient().use(compose([auth.basic('alice', 'pw')]))).toThrow(
      /auth\.basic\(\): the client has no baseUrl.*auth\.basic\(username, password, \{ origins:/,
    )
  })
})
