// The presets' credentials stay with their API's origin: against two real loopback servers,
// A (the API, a GitHub Enterprise-style `/api/v3` root for GitHub) and B (anything else), every
// way a caller can reach B through a preset is refused or goes without the credential, and B
// sees no request carrying it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { github, openWeatherMap } from '../../presets/index.ts'
import { ConfigError, PlyError } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

const TOKEN = 'ghp_origin_token_0123456789abcdef'
const KEY = 'owm-origin-key-0123456789'

let a: TestServer
let b: TestServer

beforeAll(async () => {
  a = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://a')
    if (url.pathname === '/api/v3/users/octocat/repos') {
      return sendJson(res, 200, [{ id: 1 }], { link: `<${b.url}/api/v3/users/octocat/repos?page=2>; rel="next"` })
    }
    if (url.pathname.startsWith('/api/v3/')) return sendJson(res, 200, { login: 'octocat' })
    sendJson(res, 200, { cod: 200, name: 'London' })
  })
  b = await startServer((_req, res) => sendJson(res, 200, { at: 'b' }))
})
afterAll(async () => {
  await a.close()
  await b.close()
})

/** Runs `attempt`, expects it to fail with `type`, and checks B saw nothing meanwhile. */
async function refusedWithoutReachingB(attempt: () => Promise<unknown>, type: typeof PlyError): Promise<Error> {
  const before = b.requests.length
  const error = await attempt().catch((e: unknown) => e)
  expect(error).toBeInstanceOf(type)
  expect(b.requests.length).toBe(before)
  return error as Error
}

describe('github(): the token goes to the configured API origin only', () => {
  const gh = () => github({ token: TOKEN, baseUrl: `${a.url}/api/v3`, cache: false })

  it('signs the calls to the Enterprise API origin', async () => {
    await gh().getUser('octocat')
    expect(a.requests.at(-1)?.url).toBe('/api/v3/users/octocat')
    expect(a.requests.at(-1)?.headers.authorization).toBe(`Bearer ${TOKEN}`)
  })

  it('refuses an absolute URL to another server through its client, a verb or fetch()', async () => {
    const client = gh().client
    const error = await refusedWithoutReachingB(() => client.get(`${b.url}/steal`), ConfigError)
    expect(error.message).toContain(`the call goes to ${b.url}, but this credential is bound to ${a.url};`)
    expect(error.message).not.toContain(TOKEN)
    await refusedWithoutReachingB(() => client.fetch(`${b.url}/steal`), ConfigError)
  })

  it('refuses an extend() child on another origin: the token is bound to the API, not to a baseUrl', async () => {
    await refusedWithoutReachingB(() => gh().client.extend({ baseUrl: b.url }).get('/steal'), ConfigError)
  })

  it('takes no absolute URL as a route, and a protocol-relative one stays a path on the API', async () => {
    await refusedWithoutReachingB(() => gh().request(`GET ${b.url}/steal` as never), ConfigError)
    const before = b.requests.length
    await gh().request(`GET //127.0.0.1:${b.port}/steal` as never)
    expect(a.requests.at(-1)?.url).toBe(`/api/v3//127.0.0.1:${b.port}/steal`)
    expect(b.requests.length).toBe(before)
  })

  it('does not follow a Link to another server while paginating', async () => {
    const pages = gh().paginate('GET /users/{username}/repos', { username: 'octocat' })
    const error = await refusedWithoutReachingB(() => pages.all(), PlyError)
    expect(error.message).toContain('the next page is on another origin')
  })
})

describe('openWeatherMap(): the key goes to the API origin only', () => {
  const owm = () => openWeatherMap({ apiKey: KEY, baseUrl: a.url, cache: false })

  it('signs the calls to the API origin', async () => {
    await owm().current('London')
    expect(new URL(a.requests.at(-1)?.url ?? '', a.url).searchParams.get('appid')).toBe(KEY)
  })

  it('refuses an absolute URL to another server through its client, a verb or fetch(), and an extend() child', async () => {
    const client = owm().client
    const error = await refusedWithoutReachingB(() => client.get(`${b.url}/data/2.5/weather`), ConfigError)
    expect(error.message).toContain(`the call goes to ${b.url}, but this credential is bound to ${a.url};`)
    expect(error.message).not.toContain(KEY)
    await refusedWithoutReachingB(() => client.fetch(`${b.url}/data/2.5/weather?q=London`), ConfigError)
    await refusedWithoutReachingB(() => client.extend({ baseUrl: b.url }).get('/data/2.5/weather'), ConfigError)
  })
})
