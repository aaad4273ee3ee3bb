import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, createClient, type Middleware, PlyError } from '../../src/index.ts'
import { REDACTED, registerSecret } from '../../src/kit.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

const PAGES = 5
const PER_PAGE = 3
// A secret in a path segment, which redaction masks wherever it appears.
const PATH_SECRET = 'tenant-s3cr3t-77'
registerSecret(PATH_SECRET)

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/elsewhere') {
      sendJson(res, 200, [1], { link: '<http://localhost:9/steal>; rel="next"' })
      return
    }
    if (url.pathname === '/loop-first') {
      sendJson(res, 200, [1], { link: '</loop-first>; rel="next"' })
      return
    }
    if (url.pathname === '/secret-loop') {
      // Points back to itself, secret included.
      sendJson(res, 200, [1], { link: '</secret-loop?access_token=abc>; rel="next"' })
      return
    }
    if (url.pathname === '/secret-pages') {
      const page = Number(url.searchParams.get('page') ?? 1)
      sendJson(res, 200, [page])
      return
    }
    if (url.pathname === `/t/${PATH_SECRET}/items`) {
      const page = Number(url.searchParams.get('page') ?? 1)
      // A relative target: it resolves against the page's URL, secret segment included.
      sendJson(res, 200, [page], page < 2 ? { link: '<items?page=2>; rel="next"' } : {})
      return
    }
    if (url.pathname === '/loop') {
      sendJson(res, 200, [1], { link: '</loop?page=1>; rel="next"' })
      return
    }
    if (url.pathname === '/cursor') {
      const cursor = Number(url.searchParams.get('cursor') ?? 0)
      sendJson(res, 200, { values: [cursor], next: cursor < 3 ? cursor + 1 : null })
      return
    }
    const page = Number(url.searchParams.get('page') ?? 1)
    const items = Array.from({ length: PER_PAGE }, (_, i) => ({ id: (page - 1) * PER_PAGE + i + 1 }))
    const links = [`<${server.url}/items?page=1&per_page=${PER_PAGE}>; rel="first"`]
    // A relative target, with several relations in one link-value, as RFC 8288 allows.
    if (page < PAGES) links.push(`</items?page=${page + 1}&per_page=${PER_PAGE}>; rel="next nofollow"`)
    sendJson(res, 200, items, { link: links.join(', ') })
  })
})
afterAll(() => server.close())

const api = () => createClient({ baseUrl: server.url })

describe('paginate', () => {
  it('walks five Link-paginated pages', async () => {
    const before = server.requests.length
    const ids: number[] = []
    for await (const item of api().paginate<{ id: number }[]>('/items', { query: { per_page: PER_PAGE } })) {
      ids.push(item.id)
    }
    expect(ids).toEqual(Array.from({ length: PAGES * PER_PAGE }, (_, i) => i + 1))
    expect(server.requests.slice(before).map((request) => request.url)).toEqual([
      '/items?per_page=3',
      '/items?page=2&per_page=3',
      '/items?page=3&per_page=3',
      '/items?page=4&per_page=3',
      '/items?page=5&per_page=3',
    ])
  })

  it('iterates pages as responses', async () => {
    const statuses: number[] = []
    for await (const page of api().paginate('/items').pages()) statuses.push(page.status)
    expect(statuses).toEqual([200, 200, 200, 200, 200])
  })

  it('stops at maxPages and at maxItems without fetching further', async () => {
    const before = server.requests.length
    const twoPages = await api().paginate('/items', { maxPages: 2 }).all()
    expect(twoPages).toHaveLength(2 * PER_PAGE)
    expect(server.requests.length - before).toBe(2)
    const fourItems = await api().paginate('/items', { maxItems: 4 }).all()
    expect(fourItems).toHaveLength(4)
    expect(server.requests.length - before).toBe(4)
    expect(await api().paginate('/items', { maxItems: 0 }).all()).toEqual([])
    expect(server.requests.length - before).toBe(4)
  })

  it('follows a custom next function and item extractor (cursor in the body)', async () => {
    const values = await api()
      .paginate<{ values: number[]; next: number | null }, number>('/cursor', {
        items: (page) => page.data.values,
        next: (page) => (page.data.next === null ? undefined : { query: { cursor: page.data.next } }),
      })
      .all()
    expect(values).toEqual([0, 1, 2, 3])
  })

  it('runs every page through the stack', async () => {
    let calls = 0
    const counter: Middleware = async (_ctx, next) => {
      calls += 1
      await next()
    }
    await api().use(counter).paginate('/items').all()
    expect(calls).toBe(PAGES)
  })

  it('stops a Link loop instead of spinning', async () => {
    await expect(api().paginate('/loop').all()).rejects.toThrow(PlyError)
    await expect(api().paginate('/loop').all()).rejects.toThrow(/pagination loop/)
    const items: number[] = []
    await expect(
      (async () => {
        for await (const item of api().paginate<number[]>('/loop-first')) items.push(item)
      })(),
    ).rejects.toThrow(/pagination loop/)
    expect(items).toEqual([1])
  })

  it('stops a Link loop through a URL with a secret query parameter', async () => {
    const before = server.requests.length
    const walk = api().paginate('/secret-loop', { query: { access_token: 'abc' }, maxPages: 5 })
    const error = await walk.all().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlyError)
    expect((error as PlyError).message).toMatch(/pagination loop/)
    expect((error as PlyError).message).not.toContain('abc')
    expect(server.requests.slice(before).map((request) => request.url)).toEqual(['/secret-loop?access_token=abc'])
  })

  it('resolves a relative Link against the real URL, not the redacted one', async () => {
    const before = server.requests.length
    const pages = await api()
      .paginate<number[]>('/t/{tenant}/items', { params: { tenant: PATH_SECRET } })
      .all()
    expect(pages).toEqual([1, 2])
    expect(server.requests.slice(before).map((request) => request.url)).toEqual([
      `/t/${PATH_SECRET}/items`,
      `/t/${PATH_SECRET}/items?page=2`,
    ])
  })

  it('gives a custom next function the real URL, while page.url stays redacted', async () => {
    const before = server.requests.length
    const seenUrls: string[] = []
    const walk = api().paginate<number[]>('/secret-pages', {
      query: { access_token: 'abc' },
      next: (page, { url }) => {
        seenUrls.push(page.url)
        const current = Number(url.searchParams.get('page') ?? 1)
        if (current >= 3) return undefined
        url.searchParams.set('page', String(current + 1))
        return url
      },
    })
    expect(await walk.all()).toEqual([1, 2, 3])
    expect(server.requests.slice(before).map((request) => request.url)).toEqual([
      '/secret-pages?access_token=abc',
      '/secret-pages?access_token=abc&page=2',
      '/secret-pages?access_token=abc&page=3',
    ])
    expect(seenUrls[0]).toBe(`${server.url}/secret-pages?access_token=${REDACTED}`)
    // A next function written for one argument still works.
    const oneArgument = (page: { data: number[] }) => (page.data[0] === 1 ? { query: { page: 2 } } : undefined)
    expect(await api().paginate<number[]>('/secret-pages', { next: oneArgument }).all()).toEqual([1, 2])
  })

  it('does not follow a next link to another origin with this client', async () => {
    const before = server.requests.length
    await expect(api().paginate('/elsewhere').all()).rejects.toThrow(/another origin/)
    expect(server.requests.length - before).toBe(1)
  })

  it('asks for an item extractor when a page is not an array, and checks limits', async () => {
    await expect(api().paginate('/cursor').all()).rejects.toThrow(ConfigError)
    expect(() => api().paginate('/items', { maxPages: -1 })).toThrow(/maxPages/)
  })
})
