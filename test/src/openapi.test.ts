import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { paths } from '../../examples/petstore/api.ts'
import { type Replica, startReplica } from '../../examples/replica/index.ts'
import { cache, parse, rateLimit, retry } from '../../middleware/index.ts'
import { type Client, ConfigError, createClient, type HttpError, isHttpError } from '../../src/index.ts'

// A typed client (createClient<paths>() over examples/petstore/petstore.yaml) against the
// replica's petstore, which implements that document strictly: what the client sends is what
// the document asks for, and the whole stack applies as to an untyped client.

let replica: Replica
let base: string
beforeEach(async () => {
  replica = await startReplica()
  base = `${replica.url}/petstore`
})
afterEach(async () => {
  await replica.close()
})

const petstore = (): Client<paths> => createClient<paths>({ baseUrl: base })
/** What a call rejected with (`undefined` if it resolved). */
const rejected = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => undefined,
    (error: unknown) => error,
  )
/** The requests the petstore saw, as `METHOD path?query`. */
const seen = () =>
  replica.requests.map((r) => `${r.method} ${r.path}${r.query === '' ? '' : `?${decodeURIComponent(r.query)}`}`)

describe('a typed client', () => {
  it('sends every verb to the document’s paths, with its JSON bodies, and types what comes back', async () => {
    const api = petstore()
    const created = await api.post('/pets', { json: { name: 'Luna', tags: ['cat'] } })
    expect(created.status).toBe(201)
    expect(created.data).toEqual({ id: 6, name: 'Luna', tags: ['cat'], status: 'available' })
    const petId = created.data.id
    expect((await api.get('/pets/{petId}', { params: { petId } })).data.name).toBe('Luna')
    expect((await api.head('/pets/{petId}', { params: { petId } })).status).toBe(200)
    const replaced = await api.put('/pets/{petId}', { params: { petId }, json: { name: 'Luna II', status: 'pending' } })
    expect(replaced.data).toMatchObject({ name: 'Luna II', tags: [], status: 'pending' })
    const changed = await api.patch('/pets/{petId}', { params: { petId }, json: { tags: ['black'] } })
    expect(changed.data.tags).toEqual(['black'])
    const removed = await api.delete('/pets/{petId}', { params: { petId } })
    expect([removed.status, removed.data]).toEqual([204, undefined])
    const listed = await api.request('GET /pets', { query: { status: 'pending' } })
    expect(listed.data.map((pet) => pet.name)).toEqual(['Nemo'])
    expect(replica.requests.find((r) => r.method === 'PATCH')?.headers['content-type']).toBe('application/json')
    expect(seen()).toEqual([
      'POST /petstore/pets',
      'GET /petstore/pets/6',
      'HEAD /petstore/pets/6',
      'PUT /petstore/pets/6',
      'PATCH /petstore/pets/6',
      'DELETE /petstore/pets/6',
      'GET /petstore/pets?status=pending',
    ])
    expect(replica.petstore.pets().map((pet) => pet.id)).toEqual([1, 2, 3, 4, 5])
  })

  it('encodes a path parameter as one segment (simple style) and arrays in the query as repeated keys (form, exploded)', async () => {
    const api = petstore()
    const tagged = await api.get('/pets', { query: { tags: ['small', 'cat'], limit: 10 } })
    expect(tagged.data.map((pet) => pet.name)).toEqual(['Tom', 'Kiki', 'Bolt'])
    const owned = await api.request('GET /owners/{owner}/pets', {
      params: { owner: 'Ana María' },
      query: { since: '2025-01-01' },
    })
    expect(owned.data.map((pet) => pet.name)).toEqual(['Kiki'])
    await api.get('/owners/{owner}/pets', { params: { owner: 'a/b?c' }, query: { since: '2020-01-01' } })
    expect(replica.requests.map((r) => `${r.path}?${r.query}`)).toEqual([
      '/petstore/pets?tags=small&tags=cat&limit=10',
      '/petstore/owners/Ana%20Mar%C3%ADa/pets?since=2025-01-01',
      '/petstore/owners/a%2Fb%3Fc/pets?since=2020-01-01',
    ])
  })

  it('walks the pages the Link header names, typing the items', async () => {
    const names: string[] = []
    for await (const pet of petstore().paginate('/pets', { query: { limit: 2 } })) names.push(pet.name)
    expect(names).toEqual(['Rex', 'Tom', 'Nemo', 'Kiki', 'Bolt'])
    expect(seen()).toEqual([
      'GET /petstore/pets?limit=2',
      'GET /petstore/pets?limit=2&page=2',
      'GET /petstore/pets?limit=2&page=3',
    ])
  })

  it('narrows an HttpError to the route’s documented error bodies with isHttpError(error, client, route)', async () => {
    const api = petstore()
    const missing = await rejected(api.get('/pets/{petId}', { params: { petId: 99 } }))
    expect(isHttpError(missing, api, 'GET /pets/{petId}')).toBe(true)
    if (isHttpError(missing, api, 'GET /pets/{petId}') && missing.status === 404) {
      expect(missing.data).toEqual({ message: 'No pet 99', petId: 99 })
    }
    // Another route, another method or another client's base URL is not that route's error.
    expect(isHttpError(missing, api, 'DELETE /pets/{petId}')).toBe(false)
    expect(isHttpError(missing, api, 'GET /pets')).toBe(false)
    expect(isHttpError(missing, createClient<paths>({ baseUrl: `${replica.url}/v2` }), 'GET /pets/{petId}')).toBe(false)
    expect(isHttpError(new Error('x'), api, 'GET /pets/{petId}')).toBe(false)
    const invalid = await rejected(api.post('/pets', { json: { name: '' } }))
    // POST /pets documents a 422 and a `default`: a 422 may be either body, as far as the types know.
    if (!(isHttpError(invalid, api, 'POST /pets') && invalid.status === 422)) throw invalid
    expect('errors' in invalid.data && invalid.data.errors).toEqual([
      { field: 'name', message: 'a non-empty string is required' },
    ])
    expect(() => isHttpError(invalid, api, 'nonsense' as never)).toThrow(ConfigError)
  })

  it('sends exactly what an untyped client sends for the same call', async () => {
    const typed = petstore()
    const untyped = createClient({ baseUrl: base })
    await typed.get('/owners/{owner}/pets', { params: { owner: 'Ana María' }, query: { since: '2024-01-01' } })
    await untyped.get('/owners/{owner}/pets', { params: { owner: 'Ana María' }, query: { since: '2024-01-01' } })
    await typed.request('POST /pets', { json: { name: 'A' } })
    await untyped.request('POST', '/pets', { json: { name: 'A' } })
    const [a, b, c, d] = replica.requests.map(({ method, path, query, headers }) => ({
      method,
      path,
      query,
      headers: { ...headers, host: '' },
    }))
    expect(a).toEqual(b)
    expect(c).toEqual(d)
  })
})

describe('a typed client’s stack', () => {
  it('caches, retries and rate-limits as any client does', async () => {
    const waits: string[] = []
    const api = petstore()
      .use(parse())
      .use(cache())
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 1 }))
      .use(rateLimit({ concurrency: 1 }))
      .on('rateLimited', (event) => waits.push(event.reason))
    const first = await api.get('/pets/{petId}', { params: { petId: 1 } })
    const again = await api.get('/pets/{petId}', { params: { petId: 1 } })
    expect([first.cacheStatus, again.cacheStatus]).toEqual(['miss', 'hit'])
    replica.failNext(1, { status: 503, pathPrefix: '/petstore/pets' })
    const retried = await api.get('/pets', { query: { limit: 1 } })
    expect([retried.status, retried.attempts]).toEqual([200, 2])
    // A POST is not retried unless the call (or its route's defaults) says so.
    replica.failNext(1, { status: 503, pathPrefix: '/petstore/pets' })
    expect(((await rejected(api.post('/pets', { json: { name: 'B' } }))) as HttpError).status).toBe(503)
    await Promise.all([1, 2, 3].map((petId) => api.get('/pets/{petId}', { params: { petId }, cache: 'no-store' })))
    expect(waits).toContain('concurrency')
  })

  it('lays the routes option under every call of its route; the call’s own options win', async () => {
    const api = createClient<paths>({
      baseUrl: base,
      routes: {
        'GET /pets/{petId}': { cache: 'no-store', headers: { 'x-route': 'pet' } },
        'POST /pets': { retry: true, limitGroup: 'writes' },
      },
    })
      .use(parse())
      .use(cache())
      .use(retry({ retries: 1, minDelay: 1, maxDelay: 1 }))
      .use(rateLimit({ groups: { writes: { concurrency: 1 } } }))
    const held: string[] = []
    api.on('rateLimited', (event) => held.push(`${event.group} ${event.reason}`))
    await api.get('/pets/{petId}', { params: { petId: 1 } })
    expect((await api.get('/pets/{petId}', { params: { petId: 1 } })).cacheStatus).toBe('bypass')
    await api.get('/pets/{petId}', { params: { petId: 2 }, headers: { 'x-route': 'mine' } })
    expect(replica.requests.map((r) => r.headers['x-route'])).toEqual(['pet', 'pet', 'mine'])
    replica.failNext(1, { status: 503, pathPrefix: '/petstore/pets' })
    const created = await api.post('/pets', { json: { name: 'C' } })
    expect([created.status, created.attempts]).toEqual([201, 2])
    replica.failNext(1, { status: 503, pathPrefix: '/petstore/pets' })
    const once = await rejected(api.post('/pets', { json: { name: 'D' }, retry: false }))
    expect((once as HttpError).status).toBe(503)
    // POST /pets is in the limiter's group 'writes', one at a time: the second waits its turn.
    await Promise.all([api.post('/pets', { json: { name: 'E' } }), api.post('/pets', { json: { name: 'F' } })])
    expect(held).toEqual(['writes concurrency'])
  })

  it('refuses a malformed routes option, and a route option no middleware reads at the call', async () => {
    expect(() => createClient({ routes: { '/pets': {} } })).toThrow(/not a route/)
    expect(() => createClient({ routes: { 'GET /pets': { query: { a: 1 } } as never } })).toThrow(
      /query differs per call/,
    )
    expect(() => createClient({ routes: [] as never })).toThrow(ConfigError)
    const api = createClient<paths>({ baseUrl: base, routes: { 'GET /pets': { retry: true } } })
    await expect(api.get('/pets')).rejects.toThrow(/retry/)
    expect(replica.requests).toEqual([])
  })
})
