import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import KeyvRedis from '@keyv/redis'
import KeyvSqlite from '@keyv/sqlite'
import Keyv from 'keyv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { assess } from '../../middleware/cache/freshness.ts'
import { cache, MemoryStore } from '../../middleware/cache/index.ts'
import { parseHttpDate } from '../../middleware/kit.ts'
import { type Client, createClient } from '../../src/index.ts'
import { describeWithRedis } from '../support/redis.ts'
import { startServer, type TestServer } from '../support/server.ts'

// Behaviours a conformance suite for HTTP caches (RFC 9110/9111, and what an optimal private
// cache does) checks, each through a real loopback origin and over every kind of store.

const run = `ply-conformance-${randomBytes(4).toString('hex')}`
const dir = mkdtempSync(join(tmpdir(), 'ply-conformance-'))
const BYTES = '0123456789A'
const FRESH = { 'cache-control': 'max-age=3600' }

type Route = (req: IncomingMessage, res: ServerResponse, n: number) => void
let server: TestServer

/** Answers with `body` as text, with a Content-Length and a `Date` of now unless `headers` say otherwise. */
function send(res: ServerResponse, status: number, body: string | Buffer, headers: OutgoingHttpHeaders = {}): void {
  const length = Buffer.byteLength(body)
  res.writeHead(status, {
    date: new Date().toUTCString(),
    'content-type': 'text/plain',
    'content-length': length,
    ...headers,
  })
  res.end(body)
}

/** The first language of `available` the request's Accept-Language prefers (highest q, then order). */
function negotiate(header: string | undefined, available: readonly string[]): string {
  const ranges = (header ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase())
      const q = params.find((param) => param.startsWith('q='))
      return { tag, q: q === undefined ? 1 : Number(q.slice(2)), index }
    })
    .filter((range) => range.tag !== '' && range.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const { tag } of ranges) {
    const found = available.find((language) => language === tag || language === tag.split('-')[0])
    if (found !== undefined) return found
  }
  return available[0] as string
}

const ROUTES: Record<string, Route> = {
  rfc850: (_req, res, n) => send(res, 200, `n${n}`, { expires: 'Thursday, 18-Aug-50 02:01:18 GMT' }),
  'lower-case-date': (_req, res, n) => send(res, 200, `n${n}`, { expires: 'thu, 18 aug 2050 02:01:18 gmt' }),
  'impossible-date': (_req, res, n) => send(res, 200, `n${n}`, { expires: 'thu, 31 feb 2050 02:01:18 gmt' }),
  'age-invalid-list': (_req, res, n) => send(res, 200, `n${n}`, { ...FRESH, age: 'old, 0' }),
  'age-invalid-lines': (_req, res, n) => {
    res.setHeader('age', ['old', '0']) // two field lines
    send(res, 200, `n${n}`, FRESH)
  },
  'age-old-first': (_req, res, n) => send(res, 200, `n${n}`, { ...FRESH, age: '7200, 0' }),
  'age-young-first': (_req, res, n) => send(res, 200, `n${n}`, { ...FRESH, age: '0, 7200' }),
  'age-float': (_req, res, n) => send(res, 200, `n${n}`, { ...FRESH, age: '7200.0' }),
  'age-invalid-etag': (req, res, n) => {
    if (req.headers['if-none-match'] === '"a1"') return send(res, 304, '', { ...FRESH, etag: '"a1"' })
    send(res, 200, `n${n}`, { ...FRESH, etag: '"a1"', age: 'old, 0' })
  },
  lang: (req, res, n) => {
    const language = negotiate(req.headers['accept-language'], ['en', 'de', 'fr'])
    send(res, 200, `${language} ${n}`, { ...FRESH, vary: 'Accept-Language', 'content-language': language })
  },
  immutable: (req, res, n) => {
    if (req.headers['if-none-match'] === '"i1"') return send(res, 304, '', { etag: '"i1"' })
    send(res, 200, `n${n}`, { 'cache-control': 'max-age=3600, immutable', etag: '"i1"' })
  },
  mutable: (req, res, n) => {
    if (req.headers['if-none-match'] === '"m1"') return send(res, 304, '', { etag: '"m1"' })
    send(res, 200, `n${n}`, { ...FRESH, etag: '"m1"' })
  },
  'must-understand': (_req, res, n) =>
    send(res, 200, `n${n}`, { 'cache-control': 'must-understand, no-store, max-age=3600' }),
  'must-understand-unknown-status': (_req, res, n) =>
    send(res, 299, `n${n}`, { 'cache-control': 'must-understand, max-age=3600' }),
  plain: (_req, res, n) => send(res, 200, `n${n}`, FRESH),
  'vary-cookie': (_req, res, n) => send(res, 200, `n${n}`, { ...FRESH, vary: 'Cookie' }),
  posted: (req, res, n) => {
    if (req.method !== 'POST') return send(res, 200, `got ${n}`, FRESH)
    send(res, 200, `posted ${n}`, { ...FRESH, 'content-location': req.url ?? '' })
  },
  'posted-elsewhere': (req, res, n) => {
    if (req.method !== 'POST') return send(res, 200, `got ${n}`, FRESH)
    send(res, 200, `posted ${n}`, { ...FRESH, 'content-location': `${req.url}/other` })
  },
  'posted-no-freshness': (req, res, n) => {
    if (req.method !== 'POST') return send(res, 200, `got ${n}`, FRESH)
    send(res, 200, `posted ${n}`, { 'content-location': req.url ?? '' })
  },
  // The origin ignores Range (RFC 9110 §14.2 lets it): what reaches it is counted and answered whole.
  bytes: (_req, res) => send(res, 200, BYTES, { ...FRESH, etag: '"r1"' }),
  'bytes-no-cache': (_req, res) => send(res, 200, BYTES, { 'cache-control': 'no-cache', etag: '"r2"' }),
  'bytes-gzip': (_req, res) => send(res, 200, gzipSync(BYTES), { ...FRESH, 'content-encoding': 'gzip' }),
}

beforeAll(async () => {
  server = await startServer((req, res) => {
    const pathname = new URL(req.url ?? '/', server.url).pathname
    const route = ROUTES[pathname.split('/')[2] ?? '']
    if (route === undefined) return send(res, 404, 'not found')
    route(req, res, seen(pathname, req.method))
  })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** How many requests with `method` for `pathname` the origin has seen. */
function seen(pathname: string, method = 'GET'): number {
  return server.requests.filter((request) => request.method === method && request.url.split('?')[0] === pathname).length
}

/** The origin's requests for `pathname`. */
function requestsFor(pathname: string) {
  return server.requests.filter((request) => request.url.split('?')[0] === pathname)
}

/** One store under test. */
interface StoreUnderTest {
  readonly store: Keyv | MemoryStore
  close(): Promise<void>
}

function memory(): StoreUnderTest {
  const store = new MemoryStore()
  return { store, close: async () => store.clear() }
}

function sqlite(): StoreUnderTest {
  const store = new Keyv({ store: new KeyvSqlite(`sqlite://${join(dir, `${randomBytes(4).toString('hex')}.sqlite`)}`) })
  return { store, close: () => store.disconnect() }
}

function redis(url: string): StoreUnderTest {
  const store = new Keyv({ store: new KeyvRedis(url), namespace: run })
  return {
    store,
    close: async () => {
      await store.clear()
      await store.disconnect()
    },
  }
}

function conformanceSuite(slug: string, open: () => StoreUnderTest): void {
  let subject: StoreUnderTest
  beforeAll(() => {
    subject = open()
  })
  afterAll(() => subject.close())

  const path = (kind: string) => `/${slug}/${kind}`
  const client = (): Client => createClient({ baseUrl: server.url }).use(cache({ store: subject.store }))
  /** Two calls of `kind`: the cache status of the second, and how many reached the origin. */
  const twice = async (kind: string) => {
    const api = client()
    const first = await api.get<string>(path(kind), { throwHttpErrors: false })
    const second = await api.get<string>(path(kind), { throwHttpErrors: false })
    return { first, second, origin: seen(path(kind)) }
  }

  it('an RFC 850 Expires with a two-digit year (…-50) is read as 2050: reused while fresh (RFC 9110 §5.6.7)', async () => {
    const { second, origin } = await twice('rfc850')
    expect(second).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    expect(origin).toBe(1)
  })

  it('an Expires with its weekday, month and GMT in lower case is a valid date (RFC 9111 §4.2); an impossible one is not', async () => {
    const valid = await twice('lower-case-date')
    expect(valid.second).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    expect(valid.origin).toBe(1)
    const impossible = await twice('impossible-date')
    expect(impossible.second).toMatchObject({ cacheStatus: 'miss', data: 'n2' })
    expect(impossible.origin).toBe(2)
  })

  it('Age: the first member of a list counts, and a list whose first member is not a number makes the response stale (RFC 9111 §5.1)', async () => {
    for (const kind of ['age-invalid-list', 'age-invalid-lines', 'age-old-first']) {
      const { second, origin } = await twice(kind)
      expect(second.cacheStatus, kind).toBe('miss')
      expect(origin, kind).toBe(2)
    }
    // Stale, it is revalidated; the 304 (which has no Age of its own) makes it fresh again.
    const api = client()
    expect((await api.get(path('age-invalid-etag'))).cacheStatus).toBe('miss')
    expect(await api.get(path('age-invalid-etag'))).toMatchObject({ cacheStatus: 'revalidated', data: 'n1' })
    expect(await api.get(path('age-invalid-etag'))).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    expect(seen(path('age-invalid-etag'))).toBe(2)
    // Where the first member is young, and (as before) where a single value is not an integer.
    for (const kind of ['age-young-first', 'age-float']) {
      const { second, origin } = await twice(kind)
      expect(second.cacheStatus, kind).toBe('hit')
      expect(origin, kind).toBe(1)
    }
  })

  it('Vary: Accept-Language matches a request that differs in order, case or spacing, or that the stored Content-Language still satisfies', async () => {
    const api = client()
    const ask = (value: string) => api.get<string>(path('lang'), { headers: { 'accept-language': value } })
    expect(await ask('en, de')).toMatchObject({ cacheStatus: 'miss', data: 'en 1' })
    expect(await ask('de,en')).toMatchObject({ cacheStatus: 'hit', data: 'en 1' })
    expect(await ask(' EN , De ')).toMatchObject({ cacheStatus: 'hit', data: 'en 1' })
    expect(await ask('fr;q=0.5, de')).toMatchObject({ cacheStatus: 'miss', data: 'de 2' })
    expect(await ask('DE, fr;q=0.50')).toMatchObject({ cacheStatus: 'hit', data: 'de 2' })
    // The stored variant's Content-Language is the request's single first choice: the origin would pick it.
    expect(await ask('en')).toMatchObject({ cacheStatus: 'hit', data: 'en 1' })
    expect(await ask('en-US')).toMatchObject({ cacheStatus: 'miss', data: 'en 3' })
    expect(await ask('de, fr;q=0.2')).toMatchObject({ cacheStatus: 'hit', data: 'de 2' })
    // A first choice the stored language does not equal is asked of the origin.
    expect(await ask('fr, en;q=0.5')).toMatchObject({ cacheStatus: 'miss', data: 'fr 4' })
    expect(await ask('en;q=0.9, de;q=0.9')).toMatchObject({ cacheStatus: 'miss' })
    expect(seen(path('lang'))).toBe(5)
  })

  it('immutable: a fresh response is reused for a reload-like request (cache: no-cache, max-age=0), not for Cache-Control: no-cache (RFC 8246)', async () => {
    const api = client()
    expect((await api.get(path('immutable'))).cacheStatus).toBe('miss')
    expect(await api.get(path('immutable'), { cache: 'no-cache' })).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    const raw = await api.fetch(path('immutable'), { cache: 'no-cache' })
    expect(await raw.text()).toBe('n1')
    const maxAge0 = { headers: { 'cache-control': 'max-age=0' } }
    expect(await api.get(path('immutable'), maxAge0)).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    expect(seen(path('immutable'))).toBe(1)
    // The explicit signal still revalidates, and a response that is not immutable is revalidated as before.
    const noCache = { headers: { 'cache-control': 'no-cache' } }
    expect((await api.get(path('immutable'), noCache)).cacheStatus).toBe('revalidated')
    expect(requestsFor(path('immutable'))[1]?.headers['if-none-match']).toBe('"i1"')
    expect((await api.get(path('mutable'))).cacheStatus).toBe('miss')
    expect((await api.get(path('mutable'), { cache: 'no-cache' })).cacheStatus).toBe('revalidated')
  })

  it('must-understand: with a status the cache understands, no-store is overridden and the response reused; with another, not stored (RFC 9111 §5.2.2.3)', async () => {
    const understood = await twice('must-understand')
    expect(understood.second).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    expect(understood.origin).toBe(1)
    const unknown = await twice('must-understand-unknown-status')
    expect(unknown.second).toMatchObject({ status: 299, cacheStatus: 'miss', data: 'n2' })
    expect(unknown.origin).toBe(2)
  })

  it('Cookie: a fresh response stored without credentials is reused for a request whose only credential is a Cookie', async () => {
    const api = client()
    const cookie = (value: string) => ({ headers: { cookie: value } })
    expect((await api.get(path('plain'))).cacheStatus).toBe('miss')
    expect(await api.get(path('plain'), cookie('a=b'))).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    expect(seen(path('plain'))).toBe(1)
    // A reload still goes to the origin, and its answer is stored in the cookie's partition.
    expect(await api.get(path('plain'), { ...cookie('a=b'), cache: 'reload' })).toMatchObject({ data: 'n2' })
    expect(await api.get(path('plain'), cookie('a=b'))).toMatchObject({ cacheStatus: 'hit', data: 'n2' })
    expect(await api.get(path('plain'))).toMatchObject({ cacheStatus: 'hit', data: 'n1' })
    // A response fetched with a cookie stays in that cookie's partition.
    const vary = await api.get(path('vary-cookie'))
    expect(await api.get(path('vary-cookie'), cookie('a=b'))).toMatchObject({ cacheStatus: 'miss', data: 'n2' })
    expect(await api.get(path('vary-cookie'), cookie('a=b'))).toMatchObject({ cacheStatus: 'hit', data: 'n2' })
    expect(await api.get(path('vary-cookie'), cookie('a=c'))).toMatchObject({ cacheStatus: 'miss', data: 'n3' })
    expect(await api.get(path('vary-cookie'))).toMatchObject({ cacheStatus: 'hit', data: vary.data })
    // With another credential besides the cookie, the response without credentials is not used.
    const signed = createClient({ baseUrl: server.url })
      .use(cache({ store: subject.store }))
      .use(auth.bearer('t'))
    expect((await signed.get(path('plain'), cookie('a=b'))).cacheStatus).toBe('miss')
  })

  it('a POST response with explicit freshness and Content-Location equal to its URL answers a later GET (RFC 9110 §9.3.3)', async () => {
    const api = client()
    expect((await api.post(path('posted'), { body: '12345' })).data).toBe('posted 1')
    expect(await api.get(path('posted'))).toMatchObject({ cacheStatus: 'hit', data: 'posted 1' })
    expect(seen(path('posted'))).toBe(0)
    for (const kind of ['posted-elsewhere', 'posted-no-freshness']) {
      await api.post(path(kind), { body: '12345' })
      expect(await api.get(path(kind)), kind).toMatchObject({ cacheStatus: 'miss', data: 'got 1' })
    }
  })

  it('Range: a stored complete 200 answers one byte range with a 206 (first-last, open-ended, suffix), and an unsatisfiable one with a 416', async () => {
    const api = client()
    expect((await api.get(path('bytes'))).data).toBe(BYTES)
    for (const [range, text, contentRange] of [
      ['bytes=0-1', '01', 'bytes 0-1/11'],
      ['bytes=1-', '123456789A', 'bytes 1-10/11'],
      ['bytes=-1', 'A', 'bytes 10-10/11'],
      ['Bytes=5-100', '56789A', 'bytes 5-10/11'],
      ['bytes=-20', BYTES, 'bytes 0-10/11'],
    ] as const) {
      const response = await api.fetch(path('bytes'), { headers: { range } })
      expect(response.status, range).toBe(206)
      expect(response.headers.get('content-range'), range).toBe(contentRange)
      expect(response.headers.get('content-length'), range).toBe(String(text.length))
      expect(response.headers.get('etag'), range).toBe('"r1"')
      expect(await response.text(), range).toBe(text)
    }
    const partial = await api.get<string>(path('bytes'), { headers: { range: 'bytes=2-3' } })
    expect(partial).toMatchObject({ status: 206, cacheStatus: 'hit', data: '23' })
    const outside = await api.get(path('bytes'), { headers: { range: 'bytes=11-' }, throwHttpErrors: false })
    expect(outside).toMatchObject({ status: 416, cacheStatus: 'hit' })
    expect(outside.headers.get('content-range')).toBe('bytes */11')
    expect(seen(path('bytes'))).toBe(1)
  })

  it('Range: If-Range that matches gives the 206, one that does not the whole 200; several ranges and an unusable entry go to the origin', async () => {
    const api = client()
    await api.get(path('bytes'))
    const ifRange = (value: string) => api.fetch(path('bytes'), { headers: { range: 'bytes=0-1', 'if-range': value } })
    const matching = await ifRange('"r1"')
    expect([matching.status, await matching.text()]).toEqual([206, '01'])
    for (const value of ['"other"', 'W/"r1"']) {
      const whole = await ifRange(value)
      expect([whole.status, await whole.text()], value).toEqual([200, BYTES])
    }
    expect(seen(path('bytes'))).toBe(1)
    const several = await api.get(path('bytes'), { headers: { range: 'bytes=0-1,3-4' } })
    expect(several).toMatchObject({ status: 200, cacheStatus: 'bypass', data: BYTES })
    expect(requestsFor(path('bytes'))[1]?.headers.range).toBe('bytes=0-1,3-4')
    // An entry that must be revalidated, or whose body is stored decoded (Content-Encoding), is not sliced.
    for (const kind of ['bytes-no-cache', 'bytes-gzip']) {
      await api.get(path(kind))
      expect(await api.get(path(kind), { headers: { range: 'bytes=0-1' } }), kind).toMatchObject({
        cacheStatus: 'bypass',
      })
      expect(requestsFor(path(kind))[1]?.headers.range, kind).toBe('bytes=0-1')
    }
  })
}

describe('the freshness lifetime ply works out', () => {
  const now = Date.UTC(2026, 10, 24, 12)
  const lifetime = (headers: Record<string, string>, shared = false) =>
    assess(
      {
        method: 'GET',
        status: 200,
        headers: new Headers({ date: new Date(now).toUTCString(), ...headers }),
        requestDirectives: new Map(),
        credentialed: false,
        requestTime: now,
        responseTime: now,
      },
      { shared, ttl: undefined, staleWhileRevalidate: 0, staleIfError: 0 },
    )?.lifetime

  it('keeps what http-cache-semantics had right, and reads proxy-revalidate as RFC 9111 §5.2.2.8 does', () => {
    expect(lifetime({ 'cache-control': 'max-age=60', expires: 'Thu, 01 Jan 2099 00:00:00 GMT' })).toBe(60)
    expect(lifetime({ 'cache-control': 's-maxage=30, max-age=60' }, true)).toBe(30)
    expect(lifetime({ 'cache-control': 's-maxage=30, max-age=60' })).toBe(60)
    expect(lifetime({ expires: new Date(now + 90_000).toUTCString() })).toBe(90)
    expect(lifetime({ expires: new Date(now - 1_000).toUTCString() })).toBe(0)
    expect(lifetime({ 'cache-control': 'immutable' })).toBe(86_400)
    expect(lifetime({ 'last-modified': new Date(now - 1_000_000).toUTCString() })).toBe(100)
    expect(lifetime({ 'cache-control': 'max-age=60', 'set-cookie': 'a=b' }, true)).toBe(0)
    expect(lifetime({ 'cache-control': 'public, max-age=60', 'set-cookie': 'a=b' }, true)).toBe(60)
    // The library made every proxy-revalidate response stale in a shared cache; it is must-revalidate there.
    expect(lifetime({ 'cache-control': 'max-age=60, proxy-revalidate' }, true)).toBe(60)
  })
})

describe('parseHttpDate', () => {
  it('matches day, month and GMT in any case (RFC 9111 §4.2), and still refuses impossible dates', () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37)
    expect(parseHttpDate('sun, 06 NOV 1994 08:49:37 gmt')).toBe(expected)
    expect(parseHttpDate('SUNDAY, 06-nov-94 08:49:37 Gmt')).toBe(expected)
    expect(parseHttpDate('sUN nOV  6 08:49:37 1994')).toBe(expected)
    expect(parseHttpDate('sun, 31 feb 2026 00:00:00 gmt')).toBeUndefined()
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 UTC')).toBeUndefined()
  })
})

describe.each([
  ['memory', 'a MemoryStore', memory],
  ['sqlite', 'a Keyv over an SQLite file', sqlite],
] as const)('cache() conformance over %s: %s', (slug, _name, open) => conformanceSuite(slug, open))

describeWithRedis('cache() conformance over a Keyv over Redis', (url) => conformanceSuite('redis', () => redis(url)))
