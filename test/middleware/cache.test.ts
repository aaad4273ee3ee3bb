import { createHash, randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import Keyv from 'keyv'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { type CacheOptions, cache, MemoryStore } from '../../middleware/cache/index.ts'
import { credentialScope } from '../../middleware/kit.ts'
import { parse } from '../../middleware/parse.ts'
import { retry } from '../../middleware/retry/index.ts'
import { type Client, ConfigError, createClient, type Middleware, NetworkError } from '../../src/index.ts'
import { startServer, type TestServer } from '../support/server.ts'

type Route = (req: IncomingMessage, res: ServerResponse, count: number) => void
let server: TestServer
const routes = new Map<string, Route>()
const counts = new Map<string, number>()

/** Answers with `body` and the given headers; `Date` is the (possibly faked) current time. */
function answer(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.writeHead(status, { date: new Date().toUTCString(), ...headers })
  res.end(body)
}

/** Answers without a `Date` field: node:http adds one unless `sendDate` is off. */
function withoutDate(res: ServerResponse, status: number, headers: Record<string, string>, body = ''): void {
  res.sendDate = false
  res.writeHead(status, headers)
  res.end(body)
}

function json(res: ServerResponse, headers: Record<string, string>, value: unknown): void {
  answer(res, 200, { 'content-type': 'application/json', ...headers }, JSON.stringify(value))
}

/** Requests the origin saw for `path`. */
function seen(path: string): IncomingMessage['headers'][] {
  return server.requests.filter((request) => request.url === path).map((request) => request.headers)
}

beforeAll(async () => {
  server = await startServer((req, res) => {
    const path = req.url ?? '/'
    const count = (counts.get(path) ?? 0) + 1
    counts.set(path, count)
    const route = routes.get(path.split('?')[0] as string)
    if (route === undefined) return answer(res, 404, {})
    route(req, res, count)
  })
})
afterAll(() => server.close())
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date('2026-11-24T12:00:00Z'))
})
afterEach(() => {
  vi.useRealTimers()
  routes.clear()
  counts.clear()
  server.requests.length = 0
})

function client(options: CacheOptions = {}): Client {
  return createClient({ baseUrl: server.url }).use(parse()).use(cache(options))
}

/** `promise`, or a failure naming `what` if it has not settled within `ms` (real time). */
function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (after ${ms} ms)`)), ms)
  })
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

function advance(seconds: number): void {
  vi.setSystemTime(Date.now() + seconds * 1000)
}

describe('freshness and revalidation', () => {
  it('serves a max-age=60 response from the cache, then revalidates it with If-None-Match after 60 s', async () => {
    routes.set('/repo', (req, res, count) => {
      if (req.headers['if-none-match'] === '"v1"') {
        return answer(res, 304, { etag: '"v1"', 'cache-control': 'max-age=60', 'x-refreshed': 'yes' })
      }
      json(res, { 'cache-control': 'max-age=60', etag: '"v1"', 'x-origin': 'first' }, { count })
    })
    const api = client()
    const first = await api.get('/repo')
    expect(first).toMatchObject({ cacheStatus: 'miss', fromCache: false, data: { count: 1 }, attempts: 1 })

    advance(30)
    const second = await api.get('/repo')
    expect(second).toMatchObject({ cacheStatus: 'hit', fromCache: true, data: { count: 1 }, attempts: 0 })
    expect(second.headers.get('age')).toBe('30')
    expect(seen('/repo')).toHaveLength(1)

    advance(31)
    const third = await api.get('/repo')
    expect(third).toMatchObject({ cacheStatus: 'revalidated', fromCache: true, data: { count: 1 } })
    expect(third.headers.get('x-refreshed')).toBe('yes')
    expect(third.headers.get('x-origin')).toBe('first')
    const revalidation = seen('/repo')[1]
    expect(revalidation?.['if-none-match']).toBe('"v1"')
    // fetch adds these to a conditional request unless told otherwise; ply's go out clean.
    expect(revalidation?.pragma).toBeUndefined()
    expect(revalidation?.['cache-control']).toBeUndefined()

    // The 304 refreshed the entry: fresh for another 60 s.
    advance(10)
    expect((await api.get('/repo')).cacheStatus).toBe('hit')
    expect(seen('/repo')).toHaveLength(2)
  })

  it('revalidates with If-Modified-Since when the response has only Last-Modified', async () => {
    const lastModified = 'Mon, 23 Nov 2026 12:00:00 GMT'
    routes.set('/lm', (req, res) => {
      if (req.headers['if-modified-since'] === lastModified) return answer(res, 304, {})
      json(res, { 'cache-control': 'max-age=10', 'last-modified': lastModified }, { ok: true })
    })
    const api = client()
    await api.get('/lm')
    advance(11)
    expect((await api.get('/lm')).cacheStatus).toBe('revalidated')
    expect(seen('/lm')[1]?.['if-modified-since']).toBe(lastModified)
  })

  it('replaces the entry when the revalidation answers 200 with a new body', async () => {
    routes.set('/changed', (_req, res, count) =>
      json(res, { 'cache-control': 'max-age=5', etag: `"v${count}"` }, { count }),
    )
    const api = client()
    await api.get('/changed')
    advance(6)
    const changed = await api.get('/changed')
    expect(changed).toMatchObject({ cacheStatus: 'miss', data: { count: 2 } })
    expect((await api.get('/changed')).data).toEqual({ count: 2 })
  })

  it('keeps the origin Date and replays every header and the exact bytes, through client.fetch too', async () => {
    const date = 'Tue, 24 Nov 2026 11:59:50 GMT'
    routes.set('/exact', (_req, res) =>
      answer(res, 200, { date, 'content-type': 'text/plain', 'cache-control': 'max-age=60', 'x-a': '1' }, 'héllo'),
    )
    const api = client()
    await api.get('/exact')
    const replayed = await api.fetch('/exact')
    expect(replayed.status).toBe(200)
    expect(replayed.headers.get('date')).toBe(date)
    expect(replayed.headers.get('x-a')).toBe('1')
    // The connection's own fields are not stored (RFC 9111 §3.1).
    expect(replayed.headers.get('connection')).toBeNull()
    expect(replayed.headers.get('keep-alive')).toBeNull()
    // Age: 10 s between the origin's Date and arrival (apparent age, RFC 9111 §4.2.3).
    expect(replayed.headers.get('age')).toBe('10')
    expect(new Uint8Array(await replayed.arrayBuffer())).toEqual(new TextEncoder().encode('héllo'))
    expect(seen('/exact')).toHaveLength(1)
  })

  it('gives each caller its own copy of a binary body', async () => {
    routes.set('/bin', (_req, res) =>
      answer(res, 200, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=60' }, 'abc'),
    )
    const api = client()
    await api.get('/bin')
    const hit = await api.get<Uint8Array>('/bin')
    hit.data[0] = 0
    expect(Array.from((await api.get<Uint8Array>('/bin')).data)).toEqual([97, 98, 99])
  })

  it('never stores no-store, and revalidates no-cache every time', async () => {
    routes.set('/no-store', (_req, res, count) => json(res, { 'cache-control': 'no-store, max-age=60' }, { count }))
    routes.set('/no-cache', (req, res, count) => {
      if (req.headers['if-none-match'] === '"n"') return answer(res, 304, { etag: '"n"' })
      json(res, { 'cache-control': 'no-cache', etag: '"n"' }, { count })
    })
    const api = client({ ttl: 60_000 })
    await api.get('/no-store')
    expect((await api.get('/no-store')).data).toEqual({ count: 2 })
    await api.get('/no-cache')
    expect((await api.get('/no-cache')).cacheStatus).toBe('revalidated')
    expect(seen('/no-cache')).toHaveLength(2)
  })

  it('uses ttl for responses that state no freshness, and never for those that forbid storing', async () => {
    routes.set('/weather', (_req, res, count) => json(res, {}, { count }))
    const api = client({ ttl: 600_000 })
    await api.get('/weather')
    advance(599)
    expect((await api.get('/weather')).cacheStatus).toBe('hit')
    advance(2)
    expect((await api.get('/weather')).data).toEqual({ count: 2 })
  })

  it('does not serve a fresh must-revalidate response through a revalidation (http-cache-semantics asks for one)', async () => {
    routes.set('/must', (_req, res, count) => json(res, { 'cache-control': 'max-age=60, must-revalidate' }, { count }))
    const api = client()
    await api.get('/must')
    expect((await api.get('/must')).cacheStatus).toBe('hit')
    expect(seen('/must')).toHaveLength(1)
  })
})

describe('what http-cache-semantics 4.3 gets wrong, and ply gets right', () => {
  it('treats an Expires that is not an HTTP-date as already expired', async () => {
    routes.set('/expires', (_req, res, count) => json(res, { expires: '2030-01-01' }, { count }))
    const api = client()
    await api.get('/expires')
    expect((await api.get('/expires')).data).toEqual({ count: 2 })
  })

  it('honours a valid Expires', async () => {
    routes.set('/expires-ok', (_req, res, count) =>
      json(res, { expires: new Date(Date.now() + 60_000).toUTCString() }, { count }),
    )
    const api = client()
    await api.get('/expires-ok')
    expect((await api.get('/expires-ok')).cacheStatus).toBe('hit')
  })

  it('ignores a non-integer Age', async () => {
    routes.set('/age', (_req, res, count) => json(res, { 'cache-control': 'max-age=3600', age: '7200.0' }, { count }))
    const api = client()
    await api.get('/age')
    expect((await api.get('/age')).cacheStatus).toBe('hit')
  })

  it('counts a valid Age against the lifetime', async () => {
    routes.set('/old', (_req, res, count) => json(res, { 'cache-control': 'max-age=3600', age: '7200' }, { count }))
    const api = client()
    await api.get('/old')
    expect((await api.get('/old')).data).toEqual({ count: 2 })
  })

  it('reads directive names in any case', async () => {
    routes.set('/case', (_req, res, count) =>
      json(res, { 'cache-control': 'Max-Age=60, No-CaChE', etag: '"c"' }, { count }),
    )
    const api = client()
    await api.get('/case')
    await api.get('/case')
    expect(seen('/case')[1]?.['if-none-match']).toBe('"c"')
  })

  it('stores a status outside its fixed list when freshness is explicit', async () => {
    routes.set('/created', (_req, res, count) =>
      answer(
        res,
        201,
        { 'content-type': 'application/json', 'cache-control': 'max-age=60' },
        JSON.stringify({ count }),
      ),
    )
    const api = client()
    await api.get('/created')
    const second = await api.get('/created')
    expect(second).toMatchObject({ status: 201, cacheStatus: 'hit', data: { count: 1 } })
  })

  it('adds the headers a 304 introduces', async () => {
    routes.set('/introduce', (req, res) => {
      if (req.headers['if-none-match']) return answer(res, 304, { etag: '"i"', 'x-new': 'added' })
      json(res, { 'cache-control': 'max-age=1', etag: '"i"' }, {})
    })
    const api = client()
    await api.get('/introduce')
    advance(2)
    expect((await api.get('/introduce')).headers.get('x-new')).toBe('added')
  })

  it('a 304 without Date makes the entry fresh again: the receipt time stands in for Date (RFC 9110 §6.6.1)', async () => {
    routes.set('/dateless-304', (req, res, count) => {
      if (req.headers['if-none-match'] === '"d"') {
        return withoutDate(res, 304, { etag: '"d"', 'cache-control': 'max-age=2' })
      }
      json(res, { 'cache-control': 'max-age=2', etag: '"d"' }, { count })
    })
    const api = client()
    expect((await api.get('/dateless-304')).cacheStatus).toBe('miss')
    advance(3)
    const revalidatedAt = new Date().toUTCString()
    expect((await api.get('/dateless-304')).cacheStatus).toBe('revalidated')
    advance(1)
    // Before: the stored Date of the first response stayed, so the entry was stale at once, for good.
    const hit = await api.get('/dateless-304')
    expect(hit).toMatchObject({ cacheStatus: 'hit', data: { count: 1 } })
    expect(hit.headers.get('date')).toBe(revalidatedAt)
    expect(hit.headers.get('age')).toBe('1')
    expect(seen('/dateless-304')).toHaveLength(2)
  })

  it('stores a 200 without Date with its receipt time as Date, and replays that', async () => {
    routes.set('/dateless', (_req, res, count) =>
      withoutDate(
        res,
        200,
        { 'content-type': 'application/json', 'cache-control': 'max-age=60' },
        `{"count":${count}}`,
      ),
    )
    const api = client()
    const receivedAt = new Date().toUTCString()
    const miss = await api.get('/dateless')
    expect(miss.headers.get('date')).toBe(receivedAt)
    advance(5)
    const hit = await api.get('/dateless')
    expect(hit).toMatchObject({ cacheStatus: 'hit', data: { count: 1 } })
    expect(hit.headers.get('date')).toBe(receivedAt)
    expect(hit.headers.get('age')).toBe('5')
  })

  it('keeps several variants per URL for Vary', async () => {
    routes.set('/vary', (req, res, count) =>
      json(
        res,
        { 'cache-control': 'max-age=60', vary: 'Accept-Language' },
        { lang: req.headers['accept-language'], count },
      ),
    )
    const api = client()
    const en = { headers: { 'accept-language': 'en' } }
    const fr = { headers: { 'accept-language': 'fr' } }
    await api.get('/vary', en)
    await api.get('/vary', fr)
    expect(await api.get('/vary', en)).toMatchObject({ cacheStatus: 'hit', data: { lang: 'en', count: 1 } })
    expect(await api.get('/vary', fr)).toMatchObject({ cacheStatus: 'hit', data: { lang: 'fr', count: 2 } })
    expect((await api.get('/vary', { headers: { 'accept-language': 'de' } })).cacheStatus).toBe('miss')
  })

  it('never stores Vary: *', async () => {
    routes.set('/star', (_req, res, count) => json(res, { 'cache-control': 'max-age=60', vary: '*' }, { count }))
    const api = client()
    await api.get('/star')
    expect((await api.get('/star')).data).toEqual({ count: 2 })
  })
})

describe('private and shared caches', () => {
  it('stores Cache-Control: private as a private cache, and refuses it when shared', async () => {
    routes.set('/private', (_req, res, count) => json(res, { 'cache-control': 'private, max-age=60' }, { count }))
    const own = client()
    await own.get('/private')
    expect((await own.get('/private')).cacheStatus).toBe('hit')
    const shared = client({ shared: true })
    await shared.get('/private')
    expect((await shared.get('/private')).cacheStatus).toBe('miss')
  })

  it('partitions by the credential an auth middleware inside declares', async () => {
    routes.set('/me', (req, res) =>
      json(res, { 'cache-control': 'private, max-age=60' }, { auth: req.headers.authorization }),
    )
    const store = new MemoryStore()
    const alice = createClient({ baseUrl: server.url })
      .use(parse())
      .use(cache({ store }))
      .use(auth.bearer('token-alice'))
    const bob = createClient({ baseUrl: server.url }).use(parse()).use(cache({ store })).use(auth.bearer('token-bob'))
    expect((await alice.get('/me')).data).toEqual({ auth: 'Bearer token-alice' })
    expect((await bob.get('/me')).data).toEqual({ auth: 'Bearer token-bob' })
    expect(await alice.get('/me')).toMatchObject({ cacheStatus: 'hit', data: { auth: 'Bearer token-alice' } })
    expect(await bob.get('/me')).toMatchObject({ cacheStatus: 'hit', data: { auth: 'Bearer token-bob' } })
  })

  it('partitions by an Authorization header the request carries itself', async () => {
    routes.set('/who', (req, res) => json(res, { 'cache-control': 'max-age=60' }, { auth: req.headers.authorization }))
    const api = client()
    await api.get('/who', { headers: { authorization: 'Bearer one' } })
    const other = await api.get('/who', { headers: { authorization: 'Bearer two' } })
    expect(other).toMatchObject({ cacheStatus: 'miss', data: { auth: 'Bearer two' } })
  })
})

describe('Set-Cookie', () => {
  const cookie = `session=${randomBytes(12).toString('hex')}`
  for (const shared of [false, true]) {
    it(`is never written to the store, and a hit has none (shared: ${shared})`, async () => {
      routes.set('/cookie', (_req, res, count) =>
        json(res, { 'cache-control': 'public, max-age=60', 'set-cookie': `${cookie}; HttpOnly` }, { count }),
      )
      const map = new Map<unknown, unknown>()
      const api = client({ store: new Keyv({ store: map }), shared })
      const miss = await api.get('/cookie')
      // The call that talked to the origin gets its cookie.
      expect(miss.headers.getSetCookie()).toEqual([`${cookie}; HttpOnly`])
      const hit = await api.get('/cookie')
      expect(hit).toMatchObject({ cacheStatus: 'hit', data: { count: 1 } })
      expect(hit.headers.get('set-cookie')).toBeNull()
      const raw = JSON.stringify([...map])
      expect(raw).toContain('/cookie') // the dump really shows the entry
      expect(raw).not.toContain(cookie)
      expect(raw.toLowerCase()).not.toContain('set-cookie')
    })
  }

  it("hands a 304's Set-Cookie to the call that revalidated, without storing it", async () => {
    routes.set('/cookie-304', (req, res, count) => {
      if (req.headers['if-none-match'] === '"c"') return answer(res, 304, { etag: '"c"', 'set-cookie': cookie })
      json(res, { 'cache-control': 'max-age=1', etag: '"c"' }, { count })
    })
    const map = new Map<unknown, unknown>()
    const api = client({ store: new Keyv({ store: map }) })
    await api.get('/cookie-304')
    advance(2)
    const revalidated = await api.get('/cookie-304')
    expect(revalidated.cacheStatus).toBe('revalidated')
    expect(revalidated.headers.getSetCookie()).toEqual([cookie])
    expect(JSON.stringify([...map])).not.toContain(cookie)
    expect((await api.get('/cookie-304')).headers.get('set-cookie')).toBeNull()
  })
})

describe('a shared cache and Authorization (RFC 9111 §3.5)', () => {
  const authorized = { headers: { authorization: 'Bearer shared-cache-test' } }

  it('the ttl fallback does not store an authenticated response the rules refuse', async () => {
    routes.set('/auth-ttl', (_req, res, count) => json(res, {}, { count }))
    const api = client({ shared: true, ttl: 60_000 })
    await api.get('/auth-ttl', authorized)
    expect(await api.get('/auth-ttl', authorized)).toMatchObject({ cacheStatus: 'miss', data: { count: 2 } })
    // Without Authorization, ttl applies as before.
    await api.get('/auth-ttl')
    expect((await api.get('/auth-ttl')).cacheStatus).toBe('hit')
  })

  it('the ttl fallback applies when must-revalidate or public allows storing it', async () => {
    routes.set('/auth-public', (_req, res, count) => json(res, { 'cache-control': 'public' }, { count }))
    routes.set('/auth-must', (_req, res, count) => json(res, { 'cache-control': 'must-revalidate' }, { count }))
    const api = client({ shared: true, ttl: 60_000 })
    for (const path of ['/auth-public', '/auth-must']) {
      await api.get(path, authorized)
      advance(30)
      expect(await api.get(path, authorized)).toMatchObject({ cacheStatus: 'hit', data: { count: 1 } })
    }
  })

  it('a private cache still stores it', async () => {
    routes.set('/auth-private', (_req, res, count) => json(res, {}, { count }))
    const api = client({ ttl: 60_000 })
    await api.get('/auth-private', authorized)
    expect((await api.get('/auth-private', authorized)).cacheStatus).toBe('hit')
  })
})

describe('a custom middleware that adds a credential', () => {
  /** Signs every attempt with `token`, as a home-made auth middleware inside the cache would. */
  function signer(token: string, declare: 'prepare' | 'late' | 'never'): Middleware {
    const scope = credentialScope('custom', token)
    const middleware: Middleware = (ctx, next) => {
      ctx.request.headers.set('authorization', `Custom ${token}`)
      if (declare === 'late') ctx.state.credentialScope = scope
      return next()
    }
    if (declare === 'prepare') {
      middleware.prepare = (ctx) => {
        ctx.state.credentialScope = scope
      }
    }
    return middleware
  }

  beforeEach(() => {
    routes.set('/signed', (req, res, count) =>
      json(res, { 'cache-control': 'private, max-age=60' }, { auth: req.headers.authorization, count }),
    )
  })

  it('declaring its scope in prepare partitions the cache by it', async () => {
    const store = new MemoryStore()
    const alice = client({ store }).use(signer('alice', 'prepare'))
    const bob = client({ store }).use(signer('bob', 'prepare'))
    expect((await alice.get('/signed')).data).toMatchObject({ auth: 'Custom alice' })
    expect((await bob.get('/signed')).data).toMatchObject({ auth: 'Custom bob' })
    expect(await alice.get('/signed')).toMatchObject({ cacheStatus: 'hit', data: { auth: 'Custom alice' } })
    expect(await bob.get('/signed')).toMatchObject({ cacheStatus: 'hit', data: { auth: 'Custom bob' } })
  })

  it('a scope set only once the call runs (after the key was made) keeps the response out of the store', async () => {
    const store = new MemoryStore()
    const alice = client({ store }).use(signer('alice', 'late'))
    const bob = client({ store }).use(signer('bob', 'late'))
    expect((await alice.get('/signed')).data).toMatchObject({ auth: 'Custom alice', count: 1 })
    expect(store.size).toBe(0)
    expect(await bob.get('/signed')).toMatchObject({ cacheStatus: 'miss', data: { auth: 'Custom bob', count: 2 } })
  })
})

describe('invalidation', () => {
  it('a successful POST to /x invalidates a cached GET /x, and its Location', async () => {
    routes.set('/x', (req, res, count) => {
      if (req.method === 'POST') return answer(res, 201, { location: '/x/1' })
      json(res, { 'cache-control': 'max-age=60' }, { count })
    })
    routes.set('/x/1', (_req, res, count) => json(res, { 'cache-control': 'max-age=60' }, { count }))
    const api = client()
    await api.get('/x')
    await api.get('/x/1')
    await api.post('/x', { json: {} })
    expect((await api.get('/x')).cacheStatus).toBe('miss')
    expect((await api.get('/x/1')).cacheStatus).toBe('miss')
  })

  it('invalidates a same-origin Content-Location, and never another origin', async () => {
    routes.set('/items', (req, res, count) => {
      if (req.method === 'PUT') return answer(res, 200, { 'content-location': '/items/7' })
      if (req.method === 'PATCH') return answer(res, 200, { 'content-location': 'http://elsewhere.test/items/8' })
      json(res, { 'cache-control': 'max-age=60' }, { count })
    })
    routes.set('/items/7', (_req, res, count) => json(res, { 'cache-control': 'max-age=60' }, { count }))
    const api = client()
    await api.get('/items/7')
    await api.patch('/items', { json: {} })
    expect((await api.get('/items/7')).cacheStatus).toBe('hit')
    await api.put('/items', { json: {} })
    expect((await api.get('/items/7')).cacheStatus).toBe('miss')
  })

  it('a failed unsafe request invalidates nothing', async () => {
    routes.set('/keep', (req, res, count) => {
      if (req.method === 'DELETE') return answer(res, 409, {})
      json(res, { 'cache-control': 'max-age=60' }, { count })
    })
    const api = client()
    await api.get('/keep')
    await api.delete('/keep', { throwHttpErrors: false })
    expect((await api.get('/keep')).cacheStatus).toBe('hit')
  })
})

describe('stale responses', () => {
  it('stale-while-revalidate: 100 concurrent callers get the stale entry and cause one background refresh', async () => {
    routes.set('/swr', (_req, res, count) =>
      json(res, { 'cache-control': 'max-age=1, stale-while-revalidate=60', etag: `"s${count}"` }, { count }),
    )
    const api = client()
    await api.get('/swr')
    advance(2)
    const callers = await Promise.all(Array.from({ length: 100 }, () => api.get('/swr')))
    expect(callers.every((response) => response.cacheStatus === 'stale')).toBe(true)
    expect(callers.every((response) => (response.data as { count: number }).count === 1)).toBe(true)
    await vi.waitFor(() => expect(seen('/swr')).toHaveLength(2))
    await vi.waitFor(async () => expect((await api.get('/swr')).data).toEqual({ count: 2 }))
    expect(seen('/swr')).toHaveLength(2)
    expect(seen('/swr')[1]?.['if-none-match']).toBe('"s1"')
  })

  it('stale-if-error serves the stale entry when the origin answers 503 or cannot be reached', async () => {
    let down = false
    routes.set('/sie', (_req, res, count) => {
      if (down) return answer(res, 503, {})
      json(res, { 'cache-control': 'max-age=1, stale-if-error=60' }, { count })
    })
    const api = client()
    await api.get('/sie')
    advance(2)
    down = true
    expect(await api.get('/sie')).toMatchObject({ cacheStatus: 'stale', status: 200, data: { count: 1 } })
    advance(60)
    await expect(api.get('/sie')).rejects.toMatchObject({ status: 503 })
  })

  it('the staleIfError option covers a network failure for responses that say nothing', async () => {
    let fetchFails = false
    const failing: typeof fetch = (input, init) =>
      fetchFails ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)
    routes.set('/down', (_req, res, count) => json(res, { 'cache-control': 'max-age=1' }, { count }))
    const api = createClient({ baseUrl: server.url, fetch: failing })
      .use(parse())
      .use(cache({ staleIfError: 300_000 }))
    await api.get('/down')
    advance(5)
    fetchFails = true
    expect(await api.get('/down')).toMatchObject({ cacheStatus: 'stale', data: { count: 1 } })
  })

  it('never serves a must-revalidate response stale, even when the origin fails', async () => {
    let fetchFails = false
    const failing: typeof fetch = (input, init) =>
      fetchFails ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init)
    routes.set('/strict', (_req, res) =>
      json(res, { 'cache-control': 'max-age=1, must-revalidate, stale-if-error=60' }, {}),
    )
    const api = createClient({ baseUrl: server.url, fetch: failing }).use(parse()).use(cache())
    await api.get('/strict')
    advance(5)
    fetchFails = true
    await expect(api.get('/strict')).rejects.toBeInstanceOf(NetworkError)
  })
})

describe('request directives and fetch cache modes', () => {
  beforeEach(() => {
    routes.set('/m', (req, res, count) => {
      if (req.headers['if-none-match'] === '"m"') return answer(res, 304, { etag: '"m"' })
      json(res, { 'cache-control': 'max-age=60', etag: '"m"' }, { count })
    })
  })

  it('no-store bypasses the cache, reload refreshes it, no-cache revalidates', async () => {
    const api = client()
    await api.get('/m')
    expect(await api.get('/m', { cache: 'no-store' })).toMatchObject({ cacheStatus: 'bypass', data: { count: 2 } })
    expect(await api.get('/m', { cache: 'reload' })).toMatchObject({ cacheStatus: 'miss', data: { count: 3 } })
    expect((await api.get('/m')).data).toEqual({ count: 3 })
    expect((await api.get('/m', { cache: 'no-cache' })).cacheStatus).toBe('revalidated')
  })

  it('reload replaces only its own Vary variant: the others stay stored', async () => {
    routes.set('/langs', (req, res, count) =>
      json(
        res,
        { 'cache-control': 'max-age=60', vary: 'Accept-Language' },
        { lang: req.headers['accept-language'], count },
      ),
    )
    const api = client()
    const fr = { headers: { 'accept-language': 'fr' } }
    const en = { headers: { 'accept-language': 'en' } }
    await api.get('/langs', fr)
    await api.get('/langs', en)
    expect(await api.get('/langs', { ...en, cache: 'reload' })).toMatchObject({
      cacheStatus: 'miss',
      data: { lang: 'en', count: 3 },
    })
    expect(await api.get('/langs', fr)).toMatchObject({ cacheStatus: 'hit', data: { lang: 'fr', count: 1 } })
    expect(await api.get('/langs', en)).toMatchObject({ cacheStatus: 'hit', data: { lang: 'en', count: 3 } })
    expect(seen('/langs')).toHaveLength(3)
  })

  it('force-cache and only-if-cached serve a stale entry without the network; only-if-cached without one is a 504', async () => {
    const api = client()
    await api.get('/m')
    advance(120)
    expect(await api.get('/m', { cache: 'force-cache' })).toMatchObject({ cacheStatus: 'stale', data: { count: 1 } })
    expect((await api.get('/m', { cache: 'only-if-cached' })).cacheStatus).toBe('stale')
    await expect(api.get('/nothing', { cache: 'only-if-cached' })).rejects.toMatchObject({ status: 504 })
    expect(seen('/m')).toHaveLength(1)
    expect(seen('/nothing')).toHaveLength(0)
  })

  it('client.fetch passes its cache mode', async () => {
    const api = client()
    await api.get('/m')
    const response = await api.fetch(`${server.url}/m`, { cache: 'no-store' })
    expect(await response.json()).toEqual({ count: 2 })
    const request = new Request(`${server.url}/m`, { cache: 'reload' })
    expect(await (await api.fetch(request)).json()).toEqual({ count: 3 })
  })

  it('honours the request directives max-age, min-fresh, max-stale and Pragma: no-cache', async () => {
    const api = client()
    await api.get('/m')
    advance(30)
    expect((await api.get('/m', { headers: { 'cache-control': 'max-age=10' } })).cacheStatus).toBe('revalidated')
    advance(30)
    expect((await api.get('/m', { headers: { 'cache-control': 'min-fresh=40' } })).cacheStatus).toBe('revalidated')
    advance(70)
    expect((await api.get('/m', { headers: { 'cache-control': 'max-stale=20' } })).cacheStatus).toBe('stale')
    expect((await api.get('/m', { headers: { pragma: 'no-cache' } })).cacheStatus).toBe('revalidated')
  })

  it("leaves the caller's own conditional requests alone", async () => {
    const api = client()
    await api.get('/m')
    const own = await api.get('/m', { headers: { 'if-none-match': '"m"' }, throwHttpErrors: false })
    expect(own).toMatchObject({ status: 304, cacheStatus: 'bypass' })
  })
})

describe('bounds and placement', () => {
  it('passes larger bodies than maxBodyBytes through without storing them', async () => {
    routes.set('/big', (_req, res, count) =>
      json(res, { 'cache-control': 'max-age=60' }, { count, pad: 'x'.repeat(100) }),
    )
    const api = client({ maxBodyBytes: 64 })
    expect((await api.get('/big')).data).toMatchObject({ count: 1 })
    expect((await api.get('/big')).data).toMatchObject({ count: 2 })
  })

  it('reads no more than maxBodyBytes of a larger chunked body: the caller streams it, intact, and it is not stored', async () => {
    const first = randomBytes(64 * 1024)
    const rest = Array.from({ length: 64 }, () => randomBytes(64 * 1024))
    const whole = createHash('sha256').update(first)
    for (const chunk of rest) whole.update(chunk)
    const expected = whole.digest('hex')
    let firstChunkRead: () => void = () => undefined
    routes.set('/stream', (_req, res) => {
      const readByCaller = new Promise<void>((resolve) => {
        firstChunkRead = resolve
      })
      // No Content-Length: the cache learns the size only by reading.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'max-age=60' })
      res.write(first)
      // The rest only once the caller has read the first chunk: a cache that reads the whole
      // body before handing it on never gets it.
      void readByCaller.then(() => {
        for (const chunk of rest) res.write(chunk)
        res.end()
      })
    })
    const api = createClient({ baseUrl: server.url }).use(cache({ maxBodyBytes: 1024 }))
    const response = await within(
      2_000,
      api.fetch('/stream'),
      'the cache held the response until the whole body arrived',
    )
    const reader = (response.body as ReadableStream<Uint8Array>).getReader()
    const hash = createHash('sha256')
    let received = 0
    const start = await reader.read()
    expect(start.done).toBe(false)
    hash.update(start.value as Uint8Array)
    received += (start.value as Uint8Array).byteLength
    firstChunkRead()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      hash.update(value)
      received += value.byteLength
    }
    expect(received).toBe(65 * 64 * 1024)
    expect(hash.digest('hex')).toBe(expected)
    // Not stored: the next call goes to the origin again.
    const again = await within(2_000, api.fetch('/stream'), 'the second call stalled')
    const againHash = createHash('sha256')
    firstChunkRead()
    againHash.update(new Uint8Array(await again.arrayBuffer()))
    expect(againHash.digest('hex')).toBe(expected)
    expect(seen('/stream')).toHaveLength(2)
  })

  it('a body that fits maxBodyBytes exactly is stored', async () => {
    routes.set('/exact-size', (_req, res, count) => {
      res.writeHead(200, {
        date: new Date().toUTCString(),
        'content-type': 'text/plain',
        'cache-control': 'max-age=60',
      })
      res.write('0123')
      res.end(`456${count}`)
    })
    const api = client({ maxBodyBytes: 8 })
    expect((await api.get('/exact-size')).data).toBe('01234561')
    expect(await api.get('/exact-size')).toMatchObject({ cacheStatus: 'hit', data: '01234561' })
  })

  it('evicts the least recently used record from a bounded memory store', async () => {
    routes.set('/lru', (_req, res, count) => json(res, { 'cache-control': 'max-age=60' }, { count }))
    const store = new MemoryStore({ maxEntries: 2 })
    const api = client({ store })
    await api.get('/lru?a')
    await api.get('/lru?b')
    await api.get('/lru?a')
    await api.get('/lru?c')
    expect(store.size).toBe(2)
    expect((await api.get('/lru?a')).cacheStatus).toBe('hit')
    expect((await api.get('/lru?b')).cacheStatus).toBe('miss')
  })

  it('bounds a memory store by bytes as well as entries', async () => {
    routes.set('/heavy', (_req, res) => json(res, { 'cache-control': 'max-age=60' }, { pad: 'x'.repeat(2000) }))
    const store = new MemoryStore({ maxBytes: 5000 })
    const api = client({ store })
    for (const name of ['a', 'b', 'c', 'd']) await api.get(`/heavy?${name}`)
    expect(store.bytes).toBeLessThanOrEqual(5000)
    expect(store.size).toBe(2)
    expect((await api.get('/heavy?d')).cacheStatus).toBe('hit')
    expect((await api.get('/heavy?a')).cacheStatus).toBe('miss')
  })

  it('caches HEAD responses apart from GET ones', async () => {
    routes.set('/head', (req, res, count) =>
      answer(
        res,
        200,
        { 'content-type': 'text/plain', 'cache-control': 'max-age=60', 'x-count': String(count) },
        req.method === 'HEAD' ? '' : 'body',
      ),
    )
    const api = client()
    await api.head('/head')
    const head = await api.head('/head')
    expect(head).toMatchObject({ cacheStatus: 'hit', data: undefined })
    expect(head.headers.get('x-count')).toBe('1')
    expect(await api.get('/head')).toMatchObject({ cacheStatus: 'miss', data: 'body' })
  })

  it('a hit takes no transport call, so no retry or rate-limit slot', async () => {
    routes.set('/cheap', (_req, res, count) => json(res, { 'cache-control': 'max-age=60' }, { count }))
    const api = client().use(retry())
    await api.get('/cheap')
    expect((await api.get('/cheap')).attempts).toBe(0)
  })

  it('rejects bad options with a ConfigError naming them', () => {
    expect(() => cache({ ttl: -1 })).toThrow(ConfigError)
    expect(() => cache({ methods: ['POST'] })).toThrow(/only GET and HEAD/)
    expect(() => cache({ maxBodyBytes: 1.5 })).toThrow(/maxBodyBytes/)
    expect(() => cache({ store: {} as never })).toThrow(/Keyv/)
  })
})
