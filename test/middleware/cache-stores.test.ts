import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { fileURLToPath } from 'node:url'
import KeyvRedis from '@keyv/redis'
import KeyvSqlite from '@keyv/sqlite'
import { Redis } from 'ioredis'
import Keyv from 'keyv'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { type CacheOptions, type CacheWarning, cache, MemoryStore } from '../../middleware/cache/index.ts'
import { type Client, createClient, type Middleware } from '../../src/index.ts'
import { type ScriptExit, startScript } from '../support/child.ts'
import { describeWithRedis } from '../support/redis.ts'
import { startServer, type TestServer } from '../support/server.ts'

const worker = fileURLToPath(new URL('../support/cache-worker.ts', import.meta.url))
/** The Redis namespace of this run: runs never share state, and cleanup finds what this one wrote. */
const run = `ply-cache-test-${randomBytes(4).toString('hex')}`
const dir = mkdtempSync(join(tmpdir(), 'ply-cache-'))

const TOKEN_ALICE = `tok-alice-${randomBytes(12).toString('hex')}`
const TOKEN_BOB = `tok-bob-${randomBytes(12).toString('hex')}`
const API_KEY = `key-${randomBytes(12).toString('hex')}`
const OTHER_API_KEY = `key-${randomBytes(12).toString('hex')}`
/** Which user a token belongs to: the origin echoes the user, never the token. */
const USERS = new Map([
  [TOKEN_ALICE, 'alice'],
  [TOKEN_BOB, 'bob'],
])
/** A body whose exact bytes a re-serialisation would change (spacing, key order, escapes, UTF-8). */
const EXACT_BODY = '{ "z": 1,\n  "a": "h\\u00e9llo ☃",  "n": [1, 2.50] }\n'

let server: TestServer

beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', server.url)
    const kind = url.pathname.split('/')[2] ?? ''
    const n = seen(url.pathname, req.method)
    // Set from this process's (possibly fake) clock, so that a response's Date agrees with the cache's clock.
    const date = new Date().toUTCString()
    const send = (status: number, body: string | null, headers: Record<string, string>) => {
      const length = body === null ? {} : { 'content-length': String(Buffer.byteLength(body)) }
      res.writeHead(status, { date, ...length, ...headers })
      res.end(body ?? undefined)
    }
    const json = (value: unknown, headers: Record<string, string> = {}) =>
      send(200, JSON.stringify(value), { 'content-type': 'application/json', ...headers })
    switch (kind) {
      case 'fresh':
        return send(200, EXACT_BODY, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'max-age=60',
          etag: '"f1"',
          'x-custom': 'kept',
        })
      case 'etag':
        if (req.headers['if-none-match'] === '"v1"') {
          return send(304, null, { etag: '"v1"', 'cache-control': 'max-age=60', 'x-refreshed': 'by-304' })
        }
        return json({ version: 1, n }, { etag: '"v1"', 'cache-control': 'max-age=60', 'x-custom': 'first' })
      case 'nostore':
        return json({ n }, { 'cache-control': 'no-store' })
      case 'negotiate': {
        const headers = { 'cache-control': 'max-age=60', vary: 'Accept' }
        if ((req.headers.accept ?? '').includes('json')) return json({ kind: 'json', n }, headers)
        return send(200, `plain ${n}`, { 'content-type': 'text/plain', ...headers })
      }
      case 'item':
        if (req.method === 'POST') return send(201, '{"created":true}', { 'content-type': 'application/json' })
        return json({ n }, { 'cache-control': 'max-age=60' })
      case 'me': {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
        return json({ user: USERS.get(token) ?? 'nobody', n }, { 'cache-control': 'private, max-age=60' })
      }
      case 'weather': {
        const key = url.searchParams.get('appid')
        const owner = key === API_KEY ? 'main' : key === OTHER_API_KEY ? 'other' : 'none'
        return json({ city: url.searchParams.get('q'), key: owner, n }, { 'cache-control': 'max-age=60' })
      }
      case 'big':
        return json({ padding: 'x'.repeat(100), n }, { 'cache-control': 'max-age=60' })
      case 'big-chunked': {
        // No Content-Length: the cache learns the size only by reading the body.
        const body = JSON.stringify({ padding: 'y'.repeat(100), n })
        res.writeHead(200, { date, 'content-type': 'application/json', 'cache-control': 'max-age=60' })
        res.write(body.slice(0, 20))
        res.end(body.slice(20))
        return
      }
      case 'restart':
        return json({ n }, { 'cache-control': 'max-age=60' })
      case 'swr':
        return json({ n }, { 'cache-control': 'max-age=1, stale-while-revalidate=60', etag: `"s${n}"` })
      case 'private':
        return json({ n }, { 'cache-control': 'private, max-age=60' })
      default:
        return send(404, 'not found', { 'content-type': 'text/plain' })
    }
  })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** How many requests with `method` for `pathname` (query ignored) the origin has seen. */
function seen(pathname: string, method = 'GET'): number {
  return server.requests.filter((request) => request.method === method && request.url.split('?')[0] === pathname).length
}

/** The origin's requests for `pathname` (query ignored). */
function requestsFor(pathname: string) {
  return server.requests.filter((request) => request.url.split('?')[0] === pathname)
}

/** The end-to-end headers: without `Age` (a hit's own) and the connection's fields (never stored). */
function endToEnd(headers: Headers): Record<string, string> {
  const own = new Set(['age', 'connection', 'keep-alive'])
  return Object.fromEntries([...headers].filter(([name]) => !own.has(name)))
}

/** A `MemoryStore` that remembers the keys written, so that a test can list what it holds. */
class ListedMemoryStore extends MemoryStore {
  readonly written = new Set<string>()

  override async set(...args: Parameters<MemoryStore['set']>): Promise<void> {
    this.written.add(args[0])
    await super.set(...args)
  }
}

/** Bytes as text, so that a dump shows what a body holds. */
function readable(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value
}

/** One store under test. */
interface StoreUnderTest {
  /** The `store` option of `cache()`; `undefined` is cache()'s own default. */
  readonly store: Keyv | MemoryStore | undefined
  /** Every key and value the store holds, as one string; `undefined` when it cannot be listed. */
  dump(): Promise<string> | undefined
  close(): Promise<void>
}

function memoryDefault(): StoreUnderTest {
  return { store: undefined, dump: () => undefined, close: async () => {} }
}

function listedMemory(): StoreUnderTest {
  const store = new ListedMemoryStore()
  return {
    store,
    dump: async () => {
      const entries: unknown[] = []
      for (const key of store.written) entries.push([key, await store.get(key)])
      return JSON.stringify(entries, readable)
    },
    close: async () => store.clear(),
  }
}

function keyvMap(): StoreUnderTest {
  const map = new Map<unknown, unknown>()
  const store = new Keyv({ store: map })
  return { store, dump: async () => JSON.stringify([...map]), close: () => store.disconnect() }
}

function sqlite(): StoreUnderTest {
  const file = join(dir, `suite-${randomBytes(4).toString('hex')}.sqlite`)
  const store = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) })
  return {
    store,
    dump: async () => {
      const db = new DatabaseSync(file, { readOnly: true })
      try {
        return JSON.stringify(db.prepare('SELECT * FROM keyv').all())
      } finally {
        db.close()
      }
    },
    close: () => store.disconnect(),
  }
}

function redis(url: string): StoreUnderTest {
  const namespace = `${run}-suite`
  const store = new Keyv({ store: new KeyvRedis(url), namespace })
  let reader: Redis | undefined
  return {
    store,
    dump: async () => {
      reader ??= new Redis(url)
      const keys = await reader.keys(`${namespace}*`)
      const values = keys.length === 0 ? [] : await reader.mget(...keys)
      return JSON.stringify({ keys, values })
    },
    close: async () => {
      await store.clear()
      await reader?.quit()
      await store.disconnect()
    },
  }
}

/** The behaviour every store must give, each case on its own paths of the origin. */
function storeSuite(slug: string, open: () => StoreUnderTest): void {
  let subject: StoreUnderTest
  beforeAll(() => {
    subject = open()
  })
  afterAll(() => subject.close())

  const path = (kind: string) => `/${slug}/${kind}`
  const options = (extra: CacheOptions = {}): CacheOptions =>
    subject.store === undefined ? extra : { store: subject.store, ...extra }
  const client = (middleware: Middleware = cache(options())): Client =>
    createClient({ baseUrl: server.url }).use(middleware)

  it('max-age=60: the second call is a hit with the same status, headers, data and exact bytes, and an Age', async () => {
    const api = client()
    const miss = await api.fetch(path('fresh'))
    const missBody = await miss.text()
    expect(missBody).toBe(EXACT_BODY)
    const hit = await api.get<{ z: number }>(path('fresh'))
    const raw = await api.fetch(path('fresh'))
    expect(seen(path('fresh'))).toBe(1)
    expect(hit.cacheStatus).toBe('hit')
    expect(hit.fromCache).toBe(true)
    expect(hit.status).toBe(200)
    expect(hit.data).toEqual(JSON.parse(EXACT_BODY))
    expect(hit.headers.get('x-custom')).toBe('kept')
    expect(hit.headers.get('age')).toMatch(/^\d+$/)
    expect(endToEnd(hit.headers)).toEqual(endToEnd(miss.headers))
    expect(raw.status).toBe(200)
    expect(raw.headers.get('age')).toMatch(/^\d+$/)
    expect(endToEnd(raw.headers)).toEqual(endToEnd(miss.headers))
    expect(new Uint8Array(await raw.arrayBuffer())).toEqual(new Uint8Array(Buffer.from(EXACT_BODY, 'utf8')))
    expect(await (await api.fetch(path('fresh'))).text()).toBe(EXACT_BODY)
    expect(seen(path('fresh'))).toBe(1)
  })

  it('once stale, it revalidates with If-None-Match alone, and a 304 serves the stored body with the new header', async () => {
    const api = client()
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const first = await api.get<{ version: number; n: number }>(path('etag'))
      expect(first.cacheStatus).toBe('miss')
      vi.setSystemTime(Date.now() + 120_000)
      const second = await api.get<{ version: number; n: number }>(path('etag'))
      const sent = requestsFor(path('etag'))
      expect(sent).toHaveLength(2)
      expect(sent[1]?.headers['if-none-match']).toBe('"v1"')
      expect(sent[1]?.headers.pragma).toBeUndefined()
      expect(sent[1]?.headers['cache-control']).toBeUndefined()
      expect(second.cacheStatus).toBe('revalidated')
      expect(second.fromCache).toBe(true)
      expect(second.status).toBe(200)
      expect(second.data).toEqual(first.data)
      expect(second.headers.get('x-refreshed')).toBe('by-304')
      expect(second.headers.get('x-custom')).toBe('first')
      // The 304 made it fresh again.
      const third = await api.get<{ version: number; n: number }>(path('etag'))
      expect(third.cacheStatus).toBe('hit')
      expect(third.data).toEqual(first.data)
      expect(third.headers.get('x-refreshed')).toBe('by-304')
      expect(requestsFor(path('etag'))).toHaveLength(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('Cache-Control: no-store is never stored', async () => {
    const api = client()
    const first = await api.get<{ n: number }>(path('nostore'))
    const second = await api.get<{ n: number }>(path('nostore'))
    expect(seen(path('nostore'))).toBe(2)
    expect([first.cacheStatus, second.cacheStatus]).toEqual(['miss', 'miss'])
    expect([first.data.n, second.data.n]).toEqual([1, 2])
  })

  it('Vary: Accept keeps one variant per Accept value, each a hit the second time', async () => {
    const api = client()
    const asJson = { headers: { accept: 'application/json' } }
    const asText = { headers: { accept: 'text/plain' } }
    const json1 = await api.get(path('negotiate'), asJson)
    const text1 = await api.get(path('negotiate'), asText)
    const json2 = await api.get(path('negotiate'), asJson)
    const text2 = await api.get(path('negotiate'), asText)
    expect(seen(path('negotiate'))).toBe(2)
    expect(json1.data).toEqual({ kind: 'json', n: 1 })
    expect(text1.data).toBe('plain 2')
    expect([json1.cacheStatus, text1.cacheStatus, json2.cacheStatus, text2.cacheStatus]).toEqual([
      'miss',
      'miss',
      'hit',
      'hit',
    ])
    expect(json2.data).toEqual(json1.data)
    expect(text2.data).toBe('plain 2')
    expect(text2.headers.get('content-type')).toBe('text/plain')
  })

  it('a POST to the same URL invalidates the stored GET', async () => {
    const api = client()
    expect((await api.get(path('item'))).cacheStatus).toBe('miss')
    expect((await api.get(path('item'))).cacheStatus).toBe('hit')
    const posted = await api.post(path('item'), { json: { name: 'x' } })
    expect(posted.status).toBe(201)
    const after = await api.get<{ n: number }>(path('item'))
    expect(after.cacheStatus).toBe('miss')
    expect(after.data.n).toBe(2)
    expect(seen(path('item'))).toBe(2)
    expect(seen(path('item'), 'POST')).toBe(1)
  })

  it('two bearer tokens over one store never see each other’s responses, and no token is stored', async () => {
    // cache()'s own default store cannot be shared between two cache() instances: share the instance.
    const shared = subject.store === undefined ? cache() : undefined
    const cacheFor = (): Middleware => shared ?? cache(options())
    const alice = createClient({ baseUrl: server.url }).use(cacheFor()).use(auth.bearer(TOKEN_ALICE))
    const bob = createClient({ baseUrl: server.url }).use(cacheFor()).use(auth.bearer(TOKEN_BOB))
    const a1 = await alice.get<{ user: string }>(path('me'))
    const b1 = await bob.get<{ user: string }>(path('me'))
    const a2 = await alice.get<{ user: string }>(path('me'))
    const b2 = await bob.get<{ user: string }>(path('me'))
    expect([a1.data.user, b1.data.user, a2.data.user, b2.data.user]).toEqual(['alice', 'bob', 'alice', 'bob'])
    expect([a1.cacheStatus, b1.cacheStatus, a2.cacheStatus, b2.cacheStatus]).toEqual(['miss', 'miss', 'hit', 'hit'])
    expect(seen(path('me'))).toBe(2)
    const dump = await subject.dump()
    if (dump === undefined) return
    expect(dump).toContain(path('me')) // the dump really shows what is stored
    expect(dump).not.toContain(TOKEN_ALICE)
    expect(dump).not.toContain(TOKEN_BOB)
  })

  it('an API key in the query (auth.apiKey({ query })): a hit under its own key, a miss under another, never stored', async () => {
    const api = client().use(auth.apiKey({ query: 'appid' }, API_KEY))
    const other = client().use(auth.apiKey({ query: 'appid' }, OTHER_API_KEY))
    const query = { query: { q: 'London' } }
    const first = await api.get<{ city: string; key: string }>(path('weather'), query)
    const second = await api.get<{ city: string; key: string }>(path('weather'), query)
    const third = await other.get<{ city: string; key: string }>(path('weather'), query)
    expect(first.data).toMatchObject({ city: 'London', key: 'main' })
    expect(second.data).toEqual(first.data)
    expect(third.data).toMatchObject({ city: 'London', key: 'other' })
    expect([first.cacheStatus, second.cacheStatus, third.cacheStatus]).toEqual(['miss', 'hit', 'miss'])
    expect(seen(path('weather'))).toBe(2)
    // The URL the cache keeps and replays does not carry the key either, hit or miss alike.
    expect(second.url).toBe(first.url)
    expect(second.url).not.toContain(API_KEY)
    const dump = await subject.dump()
    if (dump === undefined) return
    expect(dump).toContain(path('weather')) // the dump really shows what is stored
    expect(dump).not.toContain(API_KEY)
    expect(dump).not.toContain(OTHER_API_KEY)
  })

  it('stale-while-revalidate: the stale entry is served at once, refreshed in the background, then a hit', async () => {
    const middleware = cache(options())
    const api = client(middleware)
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      expect((await api.get(path('swr'))).cacheStatus).toBe('miss')
      vi.setSystemTime(Date.now() + 2_000)
      expect(await api.get(path('swr'))).toMatchObject({ cacheStatus: 'stale', data: { n: 1 } })
      // The refresh and its store write run in the background; flush() waits for both.
      await middleware.flush()
      const sent = requestsFor(path('swr'))
      expect(sent).toHaveLength(2)
      expect(sent[1]?.headers['if-none-match']).toBe('"s1"')
      expect(await api.get(path('swr'))).toMatchObject({ cacheStatus: 'hit', data: { n: 2 } })
      expect(seen(path('swr'))).toBe(2)
    } finally {
      vi.useRealTimers()
    }
  })

  it('shared: true refuses Cache-Control: private, which a private cache stores', async () => {
    const shared = client(cache(options({ shared: true })))
    expect((await shared.get(path('private'))).cacheStatus).toBe('miss')
    expect(await shared.get(path('private'))).toMatchObject({ cacheStatus: 'miss', data: { n: 2 } })
    const own = client(cache(options()))
    expect(await own.get(path('private'))).toMatchObject({ cacheStatus: 'miss', data: { n: 3 } })
    expect(await own.get(path('private'))).toMatchObject({ cacheStatus: 'hit', data: { n: 3 } })
    expect(seen(path('private'))).toBe(3)
  })

  it('maxBodyBytes: a larger body is returned intact but not stored, with or without a Content-Length', async () => {
    const api = client(cache(options({ maxBodyBytes: 10 })))
    for (const [kind, fill] of [
      ['big', 'x'],
      ['big-chunked', 'y'],
    ] as const) {
      const first = await api.get<{ padding: string; n: number }>(path(kind))
      const second = await api.get<{ padding: string; n: number }>(path(kind))
      expect(first.data).toEqual({ padding: fill.repeat(100), n: 1 })
      expect(second.data).toEqual({ padding: fill.repeat(100), n: 2 })
      expect([first.cacheStatus, second.cacheStatus]).toEqual(['miss', 'miss'])
      expect(seen(path(kind))).toBe(2)
    }
    const raw = await api.fetch(path('big-chunked'))
    expect(raw.headers.get('content-length')).toBeNull()
    expect(await raw.text()).toBe(JSON.stringify({ padding: 'y'.repeat(100), n: 3 }))
  })
}

describe.each([
  ['memory-default', 'the in-memory default (cache())', memoryDefault],
  ['memory-store', 'a MemoryStore', listedMemory],
  ['keyv-map', 'a Keyv over a Map', keyvMap],
  ['sqlite', 'a Keyv over an SQLite file (@keyv/sqlite, node:sqlite)', sqlite],
] as const)('cache() over %s store: %s', (slug, _name, open) => storeSuite(slug, open))

describeWithRedis('cache() over a Keyv over Redis (@keyv/redis)', (url) => storeSuite('redis', () => redis(url)))

describe('cache() store keys', () => {
  const fetchTwice = async (store: Keyv | MemoryStore) => {
    const api = createClient({ baseUrl: server.url }).use(cache({ store })).use(auth.bearer(TOKEN_ALICE))
    await api.get('/keys/fresh', { query: { q: 'x' } })
    return api.get('/keys/fresh', { query: { q: 'x' } })
  }

  it('a Keyv store gets SHA-256 keys, which show neither the URL nor the credential', async () => {
    const map = new Map<unknown, unknown>()
    expect((await fetchTwice(new Keyv({ store: map }))).cacheStatus).toBe('hit')
    const keys = [...map.keys()].map(String)
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/^ply-cache:v1:[\w-]{43}$/)
  })

  it('the memory store keys by method, resource and partition as they are: no hash, no credential in clear', async () => {
    const store = new ListedMemoryStore()
    expect((await fetchTwice(store)).cacheStatus).toBe('hit')
    const keys = [...store.written]
    expect(keys).toHaveLength(1)
    expect(keys[0]).toContain(`GET\0${server.url}/keys/fresh?q=x\0`)
    expect(keys[0]).not.toContain(TOKEN_ALICE)
  })
})

/** Runs the worker to completion (killed after 5 s); resolves its exit code and its output. */
function runWorker(args: string[]): Promise<ScriptExit> {
  return startScript(worker, args, 60_000).exited
}

describe('cache() over SQLite across a restart', () => {
  it('a second process with the same file gets a hit; each process exits on its own', async () => {
    const file = join(dir, 'restart.sqlite')
    const pathname = '/sqlite-restart/restart'
    const first = await runWorker([file, server.url, pathname])
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout)).toEqual({
      status: 200,
      cacheStatus: 'miss',
      fromCache: false,
      data: { n: 1 },
      warnings: [],
    })
    const second = await runWorker([file, server.url, pathname])
    expect(second.stderr).toBe('')
    expect(second.code).toBe(0)
    expect(JSON.parse(second.stdout)).toEqual({
      status: 200,
      cacheStatus: 'hit',
      fromCache: true,
      data: { n: 1 },
      warnings: [],
    })
    expect(seen(pathname)).toBe(1)
  })
})

describe('cache() over a store that fails', () => {
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeAll(() => {
    process.on('unhandledRejection', onUnhandled)
  })
  afterAll(() => {
    process.off('unhandledRejection', onUnhandled)
  })
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

  it('a store that throws: requests go to the origin, onStoreError names each operation that failed', async () => {
    const broken = new Set(['get', 'set', 'delete'])
    const fail = (operation: string) => {
      if (broken.has(operation)) throw new Error(`${operation} exploded`)
    }
    const store = new Keyv({
      store: {
        get: () => fail('get'),
        set: () => fail('set'),
        delete: () => {
          fail('delete')
          return true
        },
        clear() {},
      },
    })
    const warnings: CacheWarning[] = []
    const middleware = cache({ store, onStoreError: (warning) => warnings.push(warning) })
    const api = createClient({ baseUrl: server.url }).use(middleware)
    const pathname = '/throwing/item'
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      // The read fails; the write that would follow is skipped: the store is cooling down.
      const first = await api.get<{ n: number }>(pathname)
      // Past the cool-down the store is tried again: the read works, the (background) write fails.
      vi.setSystemTime(Date.now() + 5_000)
      broken.delete('get')
      const second = await api.get<{ n: number }>(pathname)
      await middleware.flush()
      // And again: the invalidation's delete fails.
      vi.setSystemTime(Date.now() + 5_000)
      expect((await api.post(pathname, { json: {} })).status).toBe(201)
      expect([first.status, second.status]).toEqual([200, 200])
      expect([first.data.n, second.data.n]).toEqual([1, 2])
      expect([first.cacheStatus, second.cacheStatus]).toEqual(['miss', 'miss'])
    } finally {
      vi.useRealTimers()
    }
    expect(seen(pathname)).toBe(2)
    expect(warnings.map((warning) => warning.operation)).toEqual(['get', 'set', 'delete'])
    for (const warning of warnings) {
      expect(warning.error).toBeInstanceOf(Error)
      expect(warning.error.message).toContain(`${warning.operation} exploded`)
    }
    await settle()
    expect(unhandled).toEqual([])
  })

  it('a store that never answers, with storeTimeout: 50: the request succeeds and a warning says it timed out', async () => {
    const never = () => new Promise<never>(() => {})
    const store = new Keyv({ store: { get: never, set: never, delete: never, clear: async () => {} } })
    const warnings: CacheWarning[] = []
    const api = createClient({ baseUrl: server.url }).use(
      cache({ store, storeTimeout: 50, onStoreError: (warning) => warnings.push(warning) }),
    )
    const pathname = '/stalled/item'
    const response = await api.get<{ n: number }>(pathname)
    expect(response.status).toBe(200)
    expect(response.data).toEqual({ n: 1 })
    expect(response.cacheStatus).toBe('miss')
    expect(seen(pathname)).toBe(1)
    // The write is skipped: after the read timed out, the store cools down.
    expect(warnings.map((warning) => warning.operation)).toEqual(['get'])
    for (const warning of warnings) expect(warning.error.message).toMatch(/did not answer within 50 ms/)
    await settle()
    expect(unhandled).toEqual([])
  })
})

/** A promise that records whether it has settled. */
function track<T>(promise: Promise<T>): { readonly promise: Promise<T>; settled(): boolean } {
  let settled = false
  const tracked = promise.finally(() => {
    settled = true
  })
  // Observed here so that a rejection is not unhandled before the test awaits it.
  tracked.catch(() => undefined)
  return { promise: tracked, settled: () => settled }
}

/**
 * Waits up to `ms` of real time (a bound that only catches a hang) for `done()`, with faked
 * timers left alone: it polls through setImmediate and reads performance.now(), which the fake
 * timers here do not replace.
 */
async function realWait(done: () => boolean, ms = 30_000): Promise<boolean> {
  const until = performance.now() + ms
  while (!done() && performance.now() < until) await new Promise((resolve) => setImmediate(resolve))
  return done()
}

describe('cache() over a store that stalls: writes in the background, and a cool-down after a failure', () => {
  const never = () => new Promise<never>(() => {})
  const unhandled: unknown[] = []
  const onUnhandled = (reason: unknown) => unhandled.push(reason)
  beforeEach(() => {
    process.on('unhandledRejection', onUnhandled)
    // Timers and Date only: the loopback HTTP traffic runs on real I/O.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
  })
  afterEach(() => {
    vi.useRealTimers()
    process.off('unhandledRejection', onUnhandled)
    unhandled.length = 0
  })

  it('after a store timeout, calls skip the store for 5 s; then one call tries it again while the others skip it', async () => {
    const store = new Keyv({ store: { get: never, set: never, delete: never, clear: async () => {} } })
    const warnings: CacheWarning[] = []
    const api = createClient({ baseUrl: server.url }).use(
      cache({ store, onStoreError: (warning) => warnings.push(warning) }),
    )
    const pathname = '/cooldown/item'
    const first = track(api.get<{ n: number }>(pathname))
    expect(await realWait(first.settled, 200)).toBe(false) // waiting for the store's read
    await vi.advanceTimersByTimeAsync(1_000)
    // Before: the call then waited another storeTimeout for its write.
    expect(await realWait(first.settled)).toBe(true)
    expect(await first.promise).toMatchObject({ cacheStatus: 'miss', data: { n: 1 } })
    expect(warnings.map((warning) => warning.operation)).toEqual(['get'])

    // Before: this call waited another storeTimeout for the read.
    const second = track(api.get<{ n: number }>(pathname))
    expect(await realWait(second.settled)).toBe(true)
    expect(await second.promise).toMatchObject({ cacheStatus: 'miss', data: { n: 2 } })
    expect(warnings).toHaveLength(1)

    await vi.advanceTimersByTimeAsync(5_000)
    const probe = track(api.get<{ n: number }>(pathname))
    const other = track(api.get<{ n: number }>(pathname))
    expect(await realWait(other.settled)).toBe(true)
    expect(probe.settled()).toBe(false) // the one call that tries the store again waits for it
    await vi.advanceTimersByTimeAsync(1_000)
    expect((await probe.promise).cacheStatus).toBe('miss')
    expect(warnings.map((warning) => warning.operation)).toEqual(['get', 'get'])
    expect(seen(pathname)).toBe(4)
    expect(unhandled).toEqual([])
  })

  it('a write that stalls does not hold the response; its timeout is reported, never unhandled', async () => {
    const store = new Keyv({ store: { get: async () => undefined, set: never, delete: never, clear: async () => {} } })
    const warnings: CacheWarning[] = []
    const middleware = cache({ store, onStoreError: (warning) => warnings.push(warning) })
    const api = createClient({ baseUrl: server.url }).use(middleware)
    const call = track(api.get<{ n: number }>('/slow-write/item'))
    expect(await realWait(call.settled)).toBe(true)
    expect(await call.promise).toMatchObject({ status: 200, cacheStatus: 'miss', data: { n: 1 } })
    expect(warnings).toEqual([])
    await vi.advanceTimersByTimeAsync(1_000)
    await middleware.flush()
    expect(warnings.map((warning) => warning.operation)).toEqual(['set'])
    expect(warnings[0]?.error.message).toMatch(/did not answer within 1000 ms/)
    expect(unhandled).toEqual([])
  })
})
