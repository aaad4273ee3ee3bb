import { inspect } from 'node:util'
import nock from 'nock'
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest'
import { type LogEntry, log } from '../../middleware/index.ts'
import { GitHubError, github } from '../../presets/index.ts'
import { AuthError, ConfigError, HttpError, RateLimitError } from '../../src/index.ts'
import { useNock } from '../support/nock.ts'

// Response shapes as GitHub documents them (docs.github.com/rest), trimmed to what is asserted.
const API = 'https://api.github.com'
const TOKEN = 'ghp_nocktoken1234567890abcdefghij'
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }
const octocat = { login: 'octocat', id: 1, type: 'User', name: 'monalisa octocat', public_repos: 2 }

useNock()
afterEach(() => {
  vi.useRealTimers()
})

/** A GitHub client with no cache, so that every call reaches nock. */
const client = (options: Parameters<typeof github>[0] = {}) => github({ token: TOKEN, cache: false, ...options })

describe('github() requests', () => {
  it('getUser sends the headers GitHub asks for and returns the typed user', async () => {
    const scope = nock(API, {
      reqheaders: {
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': 'my-app/1.0',
        authorization: `Bearer ${TOKEN}`,
      },
    })
      .get('/users/octocat')
      .reply(200, octocat, JSON_HEADERS)
    const user = await client({ userAgent: 'my-app/1.0' }).getUser('octocat')
    expect(user.data.login).toBe('octocat')
    expect(user.data.public_repos).toBe(2)
    expect(scope.isDone()).toBe(true)
  })

  it('works without a token, and with another API version', async () => {
    const scope = nock(API, { badheaders: ['authorization'], reqheaders: { 'x-github-api-version': '2026-03-10' } })
      .get('/users/octocat')
      .reply(200, octocat, JSON_HEADERS)
    const gh = github({ cache: false, apiVersion: '2026-03-10' })
    expect((await gh.getUser('octocat')).status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  it('searchRepositories encodes q with its qualifiers, sort and order', async () => {
    const scope = nock(API)
      .get('/search/repositories')
      .query((query) => {
        expect(query).toEqual({ q: 'tetris language:assembly', sort: 'stars', order: 'desc' })
        return true
      })
      .reply(200, { total_count: 1, incomplete_results: false, items: [{ id: 3081286, name: 'Tetris' }] }, JSON_HEADERS)
    const found = await client().searchRepositories('tetris language:assembly', { sort: 'stars', order: 'desc' })
    expect(found.data.total_count).toBe(1)
    expect(found.data.items[0]?.name).toBe('Tetris')
    expect(scope.isDone()).toBe(true)
  })

  it('puts non-path parameters in the query for GET (arrays comma-joined) and in a JSON body otherwise', async () => {
    const scope = nock(API)
      .get('/repos/octo%20cat/hello/issues')
      .query({ state: 'open', labels: 'bug,ui' })
      .reply(200, [], JSON_HEADERS)
      .post('/repos/octocat/hello/issues', { title: 'Found a bug', labels: ['bug'] })
      .reply(201, { number: 1347, title: 'Found a bug' }, JSON_HEADERS)
    const gh = client()
    await gh.request('GET /repos/{owner}/{repo}/issues', {
      owner: 'octo cat',
      repo: 'hello',
      state: 'open',
      labels: 'bug,ui',
    })
    const created = await gh.request('POST /repos/{owner}/{repo}/issues', {
      owner: 'octocat',
      repo: 'hello',
      title: 'Found a bug',
      labels: ['bug'],
    })
    expect(created.status).toBe(201)
    expect(created.data.number).toBe(1347)
    expect(scope.isDone()).toBe(true)
  })

  it('sends the parameters of a DELETE in its JSON body, as GitHub documents them', async () => {
    const scope = nock(API)
      .delete('/repos/octocat/hello/contents/src%2Fa.ts', { message: 'Remove a.ts', sha: 'abc123' })
      .reply(200, { commit: { sha: 'def456' } }, JSON_HEADERS)
    const gh = client()
    const removed = await gh.request('DELETE /repos/{owner}/{repo}/contents/{path}', {
      owner: 'octocat',
      repo: 'hello',
      path: 'src/a.ts',
      message: 'Remove a.ts',
      sha: 'abc123',
    })
    expect(removed.status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  it('refuses a malformed route and a path that would climb, before sending anything', async () => {
    const gh = client()
    await expect(gh.request('users/octocat')).rejects.toBeInstanceOf(ConfigError)
    const scope = nock(API).get('/users/..%2Fadmin').reply(404, { message: 'Not Found' }, JSON_HEADERS)
    await expect(gh.getUser('../admin')).rejects.toBeInstanceOf(GitHubError)
    expect(scope.isDone()).toBe(true)
  })

  it('paginates with Link, 100 per page, over the items of a search', async () => {
    const page = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i }))
    const scope = nock(API)
      .get('/users/octocat/repos')
      .query({ per_page: '100' })
      .reply(200, page(100), { ...JSON_HEADERS, link: `<${API}/user/1/repos?per_page=100&page=2>; rel="next"` })
      .get('/user/1/repos')
      .query({ per_page: '100', page: '2' })
      .reply(200, page(20), JSON_HEADERS)
      .get('/search/repositories')
      .query({ q: 'ply', per_page: '100' })
      .reply(200, { total_count: 2, incomplete_results: false, items: page(2) }, JSON_HEADERS)
    const gh = client()
    expect(await gh.listUserRepos('octocat').all()).toHaveLength(120)
    const found = await gh.paginate('GET /search/repositories', { q: 'ply' }).all()
    expect(found).toHaveLength(2)
    expect(scope.isDone()).toBe(true)
  })
})

describe('github() errors', () => {
  it('a 404 is a GitHubError (an HttpError) with GitHub’s message and documentation_url', async () => {
    nock(API).get('/repos/octocat/nothing').reply(
      404,
      {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository',
        status: '404',
      },
      JSON_HEADERS,
    )
    const error = await client()
      .getRepo('octocat', 'nothing')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GitHubError)
    expect(error).toBeInstanceOf(HttpError)
    const github404 = error as GitHubError
    expect(github404.status).toBe(404)
    expect(github404.githubMessage).toBe('Not Found')
    expect(github404.documentationUrl).toBe('https://docs.github.com/rest/repos/repos#get-a-repository')
    expect(github404.message).toContain('Not Found')
    expect(github404.message).toContain('https://docs.github.com/rest/repos/repos#get-a-repository')
  })

  it('a 422 surfaces errors[]', async () => {
    nock(API)
      .post('/repos/octocat/hello/issues')
      .reply(
        422,
        {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
          documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
        },
        JSON_HEADERS,
      )
    const error = (await client()
      .request('POST /repos/{owner}/{repo}/issues', { owner: 'octocat', repo: 'hello', title: '' })
      .catch((e: unknown) => e)) as GitHubError
    expect(error).toBeInstanceOf(GitHubError)
    expect(error.errors).toEqual([{ resource: 'Issue', code: 'missing_field', field: 'title' }])
    expect(error.message).toContain('Validation Failed: Issue.title missing_field')
  })

  it('a 401 is an AuthError that never shows the token', async () => {
    nock(API)
      .get('/users/octocat')
      .reply(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' }, JSON_HEADERS)
    const error = await client()
      .getUser('octocat')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).status).toBe(401)
    expect((error as AuthError).message).toMatch(/bad credentials/i)
    for (const text of [String(error), JSON.stringify(error), inspect(error, { depth: 5 })]) {
      expect(text).not.toContain(TOKEN)
    }
  })

  it('a spent quota whose reset is past the deadline is a RateLimitError with the reset time', async () => {
    const reset = Math.ceil(Date.now() / 1000) + 1800
    nock(API)
      .get('/users/octocat')
      .reply(
        403,
        { message: 'API rate limit exceeded for user ID 1.' },
        {
          ...JSON_HEADERS,
          'x-ratelimit-limit': '5000',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(reset),
        },
      )
    const gh = client()
    const error = await gh.getUser('octocat', { deadline: 5_000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).resetAt?.getTime()).toBe(reset * 1000)
    // The limiter learnt the quota: the next call fails at once, without a request.
    const next = await gh.getUser('octocat', { deadline: 5_000 }).catch((e: unknown) => e)
    expect(next).toBeInstanceOf(RateLimitError)
    expect(gh.quota().remaining).toBe(0)
  })

  it('a core quota spent on a read holds mutations too, until the reset', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const reset = Math.ceil(Date.now() / 1000) + 3
    let createdAt = 0
    const scope = nock(API)
      .get('/users/octocat')
      .reply(200, octocat, {
        ...JSON_HEADERS,
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(reset),
      })
      .post('/repos/octocat/hello/issues')
      .reply(() => {
        createdAt = Date.now()
        return [201, { number: 9 }, JSON_HEADERS]
      })
    const gh = client()
    await gh.getUser('octocat')
    expect(gh.quota('mutation').remaining).toBe(0)
    const created = gh.request('POST /repos/{owner}/{repo}/issues', { owner: 'octocat', repo: 'hello', title: 'x' })
    for (let i = 0; i < 10 && !scope.isDone(); i++) await vi.advanceTimersByTimeAsync(1_000)
    expect((await created).status).toBe(201)
    expect(createdAt).toBeGreaterThanOrEqual(reset * 1000)
  })

  it('a secondary limit with Retry-After waits that long, and holds the other requests meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const arrivals: [string, number][] = []
    const scope = nock(API)
      .get('/users/octocat')
      .reply(() => {
        arrivals.push(['octocat', Date.now()])
        return [403, { message: 'You have exceeded a secondary rate limit.' }, { ...JSON_HEADERS, 'retry-after': '30' }]
      })
      .get('/users/octocat')
      .reply(() => {
        arrivals.push(['octocat', Date.now()])
        return [200, octocat, JSON_HEADERS]
      })
      .get('/users/torvalds')
      .reply(() => {
        arrivals.push(['torvalds', Date.now()])
        return [200, { ...octocat, login: 'torvalds' }, JSON_HEADERS]
      })
    const waits: number[] = []
    const gh = client()
    gh.client.on('retry', (event) => waits.push(event.delayMs))
    const first = gh.getUser('octocat')
    await vi.advanceTimersByTimeAsync(10)
    for (let i = 0; i < 20 && arrivals.length === 0; i++) await vi.advanceTimersByTimeAsync(10)
    const second = gh.getUser('torvalds')
    for (let i = 0; i < 100 && arrivals.length < 3; i++) await vi.advanceTimersByTimeAsync(1_000)
    await Promise.all([first, second])
    expect(scope.isDone()).toBe(true)
    expect(waits).toEqual([30_000])
    const started = arrivals[0]?.[1] ?? 0
    // The retry waited 30 s, and the limiter held the other user's request as long.
    expect(arrivals.map(([name]) => name).sort()).toEqual(['octocat', 'octocat', 'torvalds'])
    for (const [, at] of arrivals.slice(1)) expect(at - started).toBeGreaterThanOrEqual(30_000)
  })

  it('a secondary limit without Retry-After waits 60 s, then longer, as GitHub asks', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const secondary = {
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    }
    const times: number[] = []
    const scope = nock(API)
      .get('/users/octocat')
      .times(2)
      .reply(() => {
        times.push(Date.now())
        return [403, secondary, JSON_HEADERS]
      })
      .get('/users/octocat')
      .reply(() => {
        times.push(Date.now())
        return [200, octocat, JSON_HEADERS]
      })
    const waits: number[] = []
    const gh = client()
    gh.client.on('retry', (event) => waits.push(event.delayMs))
    const call = gh.getUser('octocat')
    for (let i = 0; i < 200 && !scope.isDone(); i++) await vi.advanceTimersByTimeAsync(1_000)
    const user = await call
    expect(user.data.login).toBe('octocat')
    expect(waits).toEqual([60_000, 120_000])
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(60_000)
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(120_000)
  })

  it('a mutation refused by the secondary limit is sent again after the wait (GitHub did not act on it)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const secondary = { message: 'You have exceeded a secondary rate limit.' }
    const times: number[] = []
    const scope = nock(API)
      .post('/repos/octocat/hello/issues', { title: 'Bug' })
      .reply(() => {
        times.push(Date.now())
        return [403, secondary, { ...JSON_HEADERS, 'retry-after': '5' }]
      })
      .post('/repos/octocat/hello/issues', { title: 'Bug' })
      .reply(() => {
        times.push(Date.now())
        return [201, { number: 7, title: 'Bug' }, JSON_HEADERS]
      })
    const gh = client()
    const call = gh.request('POST /repos/{owner}/{repo}/issues', { owner: 'octocat', repo: 'hello', title: 'Bug' })
    for (let i = 0; i < 30 && !scope.isDone(); i++) await vi.advanceTimersByTimeAsync(1_000)
    const created = await call
    expect(created.status).toBe(201)
    expect(created.attempts).toBe(2)
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(5_000)
  })

  it('a mutation that fails for another reason is not sent twice', async () => {
    const scope = nock(API)
      .post('/repos/octocat/hello/issues')
      .reply(502, { message: 'Bad Gateway' }, JSON_HEADERS)
      .post('/repos/octocat/hello/issues')
      .reply(201, { number: 8 }, JSON_HEADERS)
    const error = await client()
      .request('POST /repos/{owner}/{repo}/issues', { owner: 'octocat', repo: 'hello', title: 'Bug' })
      .catch((e: unknown) => e)
    expect((error as GitHubError).status).toBe(502)
    expect(scope.pendingMocks()).toHaveLength(1)
    nock.cleanAll()
  })

  it('types known routes from GitHub’s OpenAPI description', () => {
    const gh = client()
    const typed = () => gh.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' })
    expectTypeOf<Awaited<ReturnType<typeof typed>>['data']['stargazers_count']>().toEqualTypeOf<number>()
    // @ts-expect-error: owner and repo are required by the route
    const missing = () => gh.request('GET /repos/{owner}/{repo}', { owner: 'o' })
    const unknown = () => gh.request('GET /not/in/the/description')
    expectTypeOf<Awaited<ReturnType<typeof unknown>>['data']>().toEqualTypeOf<unknown>()
    expect([typed, missing, unknown].every((call) => typeof call === 'function')).toBe(true)
  })

  it('puts `outer` middlewares outside its stack: a log line per call, cache hits included', async () => {
    const scope = nock(API)
      .get('/users/octocat')
      .reply(200, octocat, { ...JSON_HEADERS, 'cache-control': 'private, max-age=60', etag: '"v1"' })
    const lines: LogEntry[] = []
    const gh = github({ token: TOKEN, outer: [log({ write: (entry) => lines.push(entry) })] })
    await gh.getUser('octocat')
    expect((await gh.getUser('octocat')).cacheStatus).toBe('hit')
    expect(scope.isDone()).toBe(true)
    expect(lines.map((line) => [line.status, line.cacheStatus])).toEqual([
      [200, 'miss'],
      [200, 'hit'],
    ])
    expect(() => github({ outer: log() as never })).toThrow(/outer must be an array/)
    expect(() => github({ outer: ['not a middleware' as never] })).toThrow(ConfigError)
  })

  it('checks its options', () => {
    expect(() => github({ userAgent: '' })).toThrow(ConfigError)
    expect(() => github({ maxWait: -5 })).toThrow(/maxWait/)
    expect(() => github({ baseUrl: 'not a url' })).toThrow(ConfigError)
    expect(() => github({ token: '' })).toThrow(ConfigError)
  })
})
