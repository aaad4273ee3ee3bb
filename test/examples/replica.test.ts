import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Replica, type ReplicaOptions, startReplica } from '../../examples/replica/index.ts'

const TOKEN = 'ghp_replica_token'
const KEY = 'owm_replica_key'
const auth = { authorization: `Bearer ${TOKEN}` }

const running: Replica[] = []
async function start(options?: ReplicaOptions): Promise<Replica> {
  const replica = await startReplica(options)
  running.push(replica)
  return replica
}

afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(running.splice(0).map((r) => r.close()))
})

async function get(replica: Replica, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${replica.url}${path}`, { headers })
  const text = await res.text()
  return {
    res,
    status: res.status,
    headers: res.headers,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
  }
}

async function post(replica: Replica, path: string, body: string, headers: Record<string, string> = auth) {
  const res = await fetch(`${replica.url}${path}`, { method: 'POST', headers, body })
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown }
}

/** The `rel` → URL map of a Link header. */
function links(header: string | null): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (header ?? '').split(',')) {
    const match = /<([^>]+)>;\s*rel="(\w+)"/.exec(part)
    if (match?.[1] !== undefined && match[2] !== undefined) out[match[2]] = match[1]
  }
  return out
}

describe('replica: GitHub', () => {
  it('answers a user with GitHub headers and an ETag; a matching If-None-Match is a 304 that costs no quota', async () => {
    const replica = await start()
    const first = await get(replica, '/users/octocat', { 'x-github-api-version': '2022-11-28' })
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ login: 'octocat', id: 583231, public_repos: 8, type: 'User', email: null })
    expect(first.headers.get('x-github-api-version-selected')).toBe('2022-11-28')
    expect(first.headers.get('x-github-request-id')).toMatch(/^[0-9A-F:]+$/)
    expect(first.headers.get('x-ratelimit-resource')).toBe('core')
    expect(first.headers.get('x-ratelimit-remaining')).toBe('59')
    const etag = first.headers.get('etag') ?? ''
    expect(etag).toMatch(/^W\/"[0-9a-f]{40}"$/)
    expect(first.headers.get('last-modified')).toBeTruthy()

    const again = await get(replica, '/users/octocat', { 'if-none-match': `"other", ${etag.slice(2)}` })
    expect(again.status).toBe(304)
    expect(again.body).toBeUndefined()
    expect(again.headers.get('etag')).toBe(etag)
    expect(again.headers.get('x-ratelimit-remaining')).toBe('59')
    const since = await get(replica, '/users/octocat', {
      'if-modified-since': first.headers.get('last-modified') ?? '',
    })
    expect(since.status).toBe(304)
    expect(replica.github.remaining()).toBe(59)
  })

  it('paginates torvalds’ 250 repositories with Link headers (100/100/50)', async () => {
    const replica = await start()
    const sizes: number[] = []
    const rels: string[][] = []
    let next: string | undefined = `/users/torvalds/repos?per_page=100&sort=full_name`
    while (next !== undefined) {
      const page = await get(replica, next, auth)
      sizes.push((page.body as unknown[]).length)
      const link = links(page.headers.get('link'))
      rels.push(Object.keys(link))
      next = link.next?.slice(replica.url.length)
      if (next !== undefined) expect(next).toContain('sort=full_name')
    }
    expect(sizes).toEqual([100, 100, 50])
    expect(rels).toEqual([
      ['next', 'last'],
      ['prev', 'next', 'last', 'first'],
      ['prev', 'first'],
    ])
    const first = await get(replica, '/users/torvalds/repos?per_page=100', auth)
    expect(links(first.headers.get('link')).last).toBe(`${replica.url}/users/torvalds/repos?per_page=100&page=3`)
  })

  it('counts the quota down, refuses at 0 with a 403, and refills when the window has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2025-06-01T12:00:00Z'))
    const replica = await start({ github: { limit: 2, windowSeconds: 600 } })
    const a = await get(replica, '/repos/octocat/Hello-World', auth)
    const b = await get(replica, '/repos/octocat/Hello-World', auth)
    expect([a.headers.get('x-ratelimit-remaining'), b.headers.get('x-ratelimit-remaining')]).toEqual(['1', '0'])
    const reset = Number(a.headers.get('x-ratelimit-reset'))
    expect(reset).toBe(Date.parse('2025-06-01T12:10:00Z') / 1000)
    const refused = await get(replica, '/repos/octocat/Hello-World', auth)
    expect(refused.status).toBe(403)
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(reset))
    expect((refused.body as { message: string }).message).toMatch(/^API rate limit exceeded/)

    vi.setSystemTime(reset * 1000)
    const refilled = await get(replica, '/repos/octocat/Hello-World', auth)
    expect(refilled.status).toBe(200)
    expect(refilled.headers.get('x-ratelimit-remaining')).toBe('1')
    expect(replica.github.remaining(TOKEN)).toBe(1)
  })

  it('setQuota() sets a bucket; the anonymous message names the good news', async () => {
    const replica = await start()
    replica.github.setQuota(undefined, { remaining: 0, resetAt: Date.now() + 30_000 })
    const refused = await get(replica, '/users/octocat')
    expect(refused.status).toBe(403)
    expect((refused.body as { message: string }).message).toContain("But here's the good news")
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBe(Math.ceil((Date.now() + 30_000) / 1000))
    expect((await get(replica, '/users/octocat', auth)).status).toBe(200)
  })

  it('answers a bad token with 401 Bad credentials, which costs no quota', async () => {
    const replica = await start()
    const res = await get(replica, '/users/octocat', { authorization: 'token ghp_wrong' })
    expect(res.status).toBe(401)
    expect(res.body).toEqual({
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    })
    expect(replica.github.remaining()).toBe(60)
    expect((await get(replica, '/users/octocat', { authorization: `token ${TOKEN}` })).status).toBe(200)
  })

  it('refuses a request without User-Agent', async () => {
    const replica = await start()
    const res = await get(replica, '/users/octocat', { 'user-agent': '' })
    expect(res.status).toBe(403)
    expect((res.body as { message: string }).message).toMatch(/User-Agent header/)
  })

  it('answers two POSTs back to back with a secondary-limit 403 carrying retry-after', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const replica = await start()
    const created = await post(replica, '/repos/octocat/Hello-World/issues', JSON.stringify({ title: 'One' }))
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ number: 8, title: 'One', state: 'open', user: { login: 'octocat' } })
    expect(created.headers.get('location')).toBe(`${replica.url}/repos/octocat/Hello-World/issues/8`)
    const second = await post(replica, '/repos/octocat/Hello-World/issues', JSON.stringify({ title: 'Two' }))
    expect(second.status).toBe(403)
    expect(second.headers.get('retry-after')).toBe('60')
    expect((second.body as { message: string }).message).toMatch(/secondary rate limit/)
    vi.setSystemTime(Date.now() + 900)
    expect((await post(replica, '/repos/octocat/Hello-World/issues', JSON.stringify({ title: 'Two' }))).status).toBe(
      201,
    )
  })

  it('secondaryLimitNext() answers the secondary 403 without retry-after and without remaining 0', async () => {
    const replica = await start()
    replica.github.secondaryLimitNext(1)
    const res = await get(replica, '/users/octocat', auth)
    expect(res.status).toBe(403)
    expect(res.headers.get('retry-after')).toBeNull()
    expect(res.headers.get('x-ratelimit-remaining')).toBe('5000')
    expect((res.body as { message: string }).message).toMatch(/secondary rate limit/)
    expect((await get(replica, '/users/octocat', auth)).status).toBe(200)
  })

  it('validates issue creation (422 missing title, 400 bad JSON) and lists created issues under a new ETag', async () => {
    const replica = await start({ github: { mutationSpacingMs: 0 } })
    const before = await get(replica, '/repos/octocat/Hello-World/issues', auth)
    expect((before.body as unknown[]).length).toBe(5)
    const missing = await post(replica, '/repos/octocat/Hello-World/issues', JSON.stringify({ body: 'no title' }))
    expect(missing.status).toBe(422)
    expect(missing.body).toMatchObject({
      message: 'Validation Failed',
      errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
      status: '422',
    })
    const broken = await post(replica, '/repos/octocat/Hello-World/issues', '{"title":')
    expect(broken.status).toBe(400)
    expect(broken.body).toMatchObject({ message: 'Problems parsing JSON' })
    await post(replica, '/repos/octocat/Hello-World/issues', JSON.stringify({ title: 'New', labels: ['bug'] }))
    const after = await get(replica, '/repos/octocat/Hello-World/issues', {
      ...auth,
      'if-none-match': before.headers.get('etag') ?? '',
    })
    expect(after.status).toBe(200)
    expect((after.body as { title: string }[])[0]?.title).toBe('New')
    const all = await get(replica, '/repos/octocat/Hello-World/issues?state=all&per_page=100', auth)
    expect((all.body as unknown[]).length).toBe(8)
    expect((await get(replica, '/repos/octocat/Hello-World', auth)).body).toMatchObject({
      id: 1296269,
      open_issues_count: 6,
    })
  })

  it('searches with its own per-minute bucket and requires q', async () => {
    const replica = await start()
    const hit = await get(replica, '/search/repositories?q=kernel+language:c', auth)
    expect(hit.status).toBe(200)
    expect(hit.headers.get('x-ratelimit-resource')).toBe('search')
    expect(hit.headers.get('x-ratelimit-limit')).toBe('30')
    expect(hit.body).toMatchObject({ incomplete_results: false, items: [{ full_name: 'torvalds/linux' }] })
    const missing = await get(replica, '/search/repositories', auth)
    expect(missing.status).toBe(422)
    expect(missing.body).toMatchObject({ errors: [{ resource: 'Search', field: 'q', code: 'missing' }] })
    expect(replica.github.remaining(TOKEN)).toBe(5000)
  })

  it('answers unknown users with 404 and failNext() with a GitHub-shaped 503 that costs no quota', async () => {
    const replica = await start()
    const missing = await get(replica, '/users/nobody-here')
    expect(missing.body).toEqual({
      message: 'Not Found',
      documentation_url: 'https://docs.github.com/rest/users/users#get-a-user',
      status: '404',
    })
    replica.failNext(1, { retryAfter: 3, pathPrefix: '/users' })
    const failed = await get(replica, '/users/octocat')
    expect(failed.status).toBe(503)
    expect(failed.headers.get('retry-after')).toBe('3')
    expect(failed.body).toEqual({ message: 'Service Unavailable' })
    expect(replica.github.remaining()).toBe(59)
    expect(replica.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'GET /users/nobody-here 404',
      'GET /users/octocat 503',
    ])
  })
})

describe('replica: OpenWeatherMap', () => {
  it('answers current weather with cod 200 as a number, and the forecast with cod "200" as a string', async () => {
    const replica = await start()
    const metric = await get(replica, `/data/2.5/weather?q=London,GB&units=metric&lang=fr&appid=${KEY}`)
    expect(metric.status).toBe(200)
    expect(metric.headers.get('cache-control')).toBeNull()
    expect(metric.headers.get('etag')).toBeNull()
    expect(metric.body).toMatchObject({
      cod: 200,
      id: 2643743,
      name: 'London',
      sys: { country: 'GB' },
      base: 'stations',
    })
    const standard = await get(replica, `/data/2.5/weather?id=2643743&appid=${KEY}`)
    const temp = (r: typeof metric) => (r.body as { main: { temp: number } }).main.temp
    expect(temp(standard) - temp(metric)).toBeCloseTo(273.15, 1)
    const forecast = await get(replica, `/data/2.5/forecast?zip=94040,us&appid=${KEY}`)
    expect(forecast.body).toMatchObject({ cod: '200', message: 0, cnt: 40, city: { id: 5375480, country: 'US' } })
    const list = (forecast.body as { list: { dt: number; dt_txt: string }[] }).list
    expect(list).toHaveLength(40)
    expect((list[1]?.dt ?? 0) - (list[0]?.dt ?? 0)).toBe(10_800)
    expect(list[0]?.dt_txt).toMatch(/^\d{4}-\d\d-\d\d \d\d:00:00$/)
  })

  it('answers a missing or unknown appid with 401 (cod a number) and an unknown city with 404 (cod a string)', async () => {
    const replica = await start()
    const invalid = {
      cod: 401,
      message: 'Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.',
    }
    expect((await get(replica, '/data/2.5/weather?q=London')).body).toEqual(invalid)
    expect((await get(replica, '/data/2.5/weather?q=London&appid=nope')).body).toEqual(invalid)
    const missing = await get(replica, `/data/2.5/forecast?q=Atlantis&appid=${KEY}`)
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({ cod: '404', message: 'city not found' })
  })

  it('validates lat/lon and answers coordinates with the nearest city', async () => {
    const replica = await start()
    const at = (q: string) => get(replica, `/data/2.5/weather?${q}&appid=${KEY}`)
    expect((await at('lat=91&lon=0')).body).toEqual({ cod: '400', message: 'wrong latitude' })
    expect((await at('lat=north&lon=0')).body).toEqual({ cod: '400', message: 'wrong latitude' })
    expect((await at('lat=10&lon=-180.5')).body).toEqual({ cod: '400', message: 'wrong longitude' })
    const paris = await at('lat=48.85&lon=2.35')
    expect(paris.body).toMatchObject({ name: 'Paris', coord: { lat: 48.85, lon: 2.35 }, cod: 200 })
  })

  it('blocks a key over its per-minute quota with 429 until the window has passed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const replica = await start({ owm: { perMinute: 2 } })
    const url = `/data/2.5/weather?q=Tokyo&appid=${KEY}`
    expect((await get(replica, url)).status).toBe(200)
    expect((await get(replica, url)).status).toBe(200)
    const blocked = await get(replica, url)
    expect(blocked.status).toBe(429)
    expect(blocked.body).toMatchObject({ cod: 429, message: expect.stringMatching(/temporary blocked/) })
    expect(replica.owm.used(KEY)).toBe(2)
    vi.setSystemTime(Date.now() + 60_000)
    expect(replica.owm.used(KEY)).toBe(0)
    expect((await get(replica, url)).status).toBe(200)
  })

  it('fails OWM paths with an OWM-shaped body', async () => {
    const replica = await start()
    replica.failNext(1, { status: 502, pathPrefix: '/data/' })
    const failed = await get(replica, `/data/2.5/weather?q=Paris&appid=${KEY}`)
    expect(failed.status).toBe(502)
    expect(failed.body).toEqual({ cod: 502, message: 'Bad Gateway' })
    expect(replica.requests[0]?.query).toBe(`q=Paris&appid=${KEY}`)
  })
})

describe('replica: the petstore of examples/petstore/petstore.yaml', () => {
  it('lists pets by repeated tags keys, pages them with Link, and refuses a malformed limit', async () => {
    const replica = await start()
    const tagged = await get(replica, '/petstore/pets?tags=dog&tags=fish')
    expect((tagged.body as { name: string }[]).map((pet) => pet.name)).toEqual(['Rex', 'Nemo', 'Bolt'])
    // Comma-joined is not the document's form: one tag named 'dog,fish', which no pet has.
    expect((await get(replica, '/petstore/pets?tags=dog,fish')).body).toEqual([])
    const first = await get(replica, '/petstore/pets?limit=2')
    expect(links(first.headers.get('link')).next).toBe(`${replica.url}/petstore/pets?limit=2&page=2`)
    const last = await get(replica, '/petstore/pets?limit=2&page=3')
    expect([(last.body as unknown[]).length, last.headers.get('link')]).toEqual([1, null])
    const bad = await get(replica, '/petstore/pets?limit=500')
    expect([bad.status, bad.headers.get('content-type'), bad.body]).toEqual([
      400,
      'application/problem+json',
      { title: 'Bad query', status: 400, detail: 'limit is 1 to 100, page from 1' },
    ])
  })

  it('creates, reads, changes and removes a pet, answering 404 and 422 as documented', async () => {
    const replica = await start()
    const json = { 'content-type': 'application/json' }
    expect(await post(replica, '/petstore/pets', '{"name":"Luna"}', json)).toMatchObject({
      status: 201,
      body: { id: 6, name: 'Luna', tags: [], status: 'available' },
    })
    expect(await post(replica, '/petstore/pets', '{"name":3,"age":2}', json)).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'age' }, { field: 'name' }] },
    })
    const pet = await get(replica, '/petstore/pets/6')
    expect([pet.status, pet.headers.get('etag')?.startsWith('W/"')]).toEqual([200, true])
    expect((await get(replica, '/petstore/pets/6', { 'if-none-match': pet.headers.get('etag') ?? '' })).status).toBe(
      304,
    )
    const patched = await fetch(`${replica.url}/petstore/pets/6`, { method: 'PATCH', body: '{"status":"pending"}' })
    expect(await patched.json()).toMatchObject({ id: 6, name: 'Luna', status: 'pending' })
    expect((await fetch(`${replica.url}/petstore/pets/6`, { method: 'DELETE' })).status).toBe(204)
    expect((await fetch(`${replica.url}/petstore/pets/6`, { method: 'HEAD' })).status).toBe(404)
    expect(await get(replica, '/petstore/pets/6')).toMatchObject({
      status: 404,
      body: { message: 'No pet 6', petId: 6 },
    })
    expect(replica.petstore.pets()).toHaveLength(5)
  })

  it('reads an owner as one percent-encoded segment, and requires since', async () => {
    const replica = await start()
    const owned = await get(replica, '/petstore/owners/Ana%20Mar%C3%ADa/pets?since=2024-01-01')
    expect((owned.body as { name: string }[]).map((pet) => pet.name)).toEqual(['Tom', 'Kiki'])
    expect((await get(replica, '/petstore/owners/Ana%20Mar%C3%ADa/pets')).status).toBe(400)
    replica.failNext(1, { status: 503, pathPrefix: '/petstore/' })
    expect(await get(replica, '/petstore/pets')).toMatchObject({
      status: 503,
      body: { title: 'Service Unavailable', status: 503 },
    })
  })
})
