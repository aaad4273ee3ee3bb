// ply in a real browser: the core and the middlewares, bundled for the browser by esbuild,
// run in Debian's headless Chromium against a loopback API on another origin (so every call
// is a CORS one). Each scenario runs in the page; the test checks what the page reported and
// what the API server saw.
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { busiestWindow } from '../support/windows.ts'
import { bundleScenarios } from './bundle.ts'
import { CHROMIUM_PATH, hasChromium, launchChromium } from './chromium.ts'
import { type ArrivedRequest, ISSUED_TOKEN } from './routes.ts'
import type { Scenarios } from './scenarios.ts'
import { type BrowserServers, startBrowserServers } from './servers.ts'

if (!hasChromium) {
  console.warn(
    `test/browser: skipped, no Chromium at ${CHROMIUM_PATH} (Debian's chromium package; .ci/run installs it)`,
  )
}

// Bundling, launching and loading take a few seconds on an idle machine; the bounds only catch a hang.
const SETUP_TIMEOUT_MS = 120_000
const SCENARIO_TIMEOUT_MS = 60_000

/** The page's `window`, as the bundle left it. */
type PageWindow = { plyScenarios: Record<string, (apiUrl: string) => Promise<unknown>> }

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64')

describe.skipIf(!hasChromium)('ply in headless Chromium', { timeout: SCENARIO_TIMEOUT_MS }, () => {
  let servers: BrowserServers | undefined
  let browser: Browser | undefined
  let page: Page | undefined
  const pageErrors: string[] = []

  beforeAll(async () => {
    servers = await startBrowserServers(await bundleScenarios())
    browser = await launchChromium()
    page = await browser.newPage()
    page.on('pageerror', (error) => pageErrors.push(String(error)))
    await page.goto(servers.pageUrl)
    await page
      .waitForFunction(() => 'plyScenarios' in window, undefined, { timeout: SETUP_TIMEOUT_MS / 2 })
      .catch((error: unknown) => {
        throw new Error(`the page did not load its scenarios: ${pageErrors.join('; ') || String(error)}`)
      })
  }, SETUP_TIMEOUT_MS)

  afterAll(async () => {
    await browser?.close()
    await servers?.close()
  }, SETUP_TIMEOUT_MS)

  /** Runs scenario `name` in the page against the API origin and returns what it reported. */
  async function run<K extends keyof Scenarios>(name: K): Promise<Awaited<ReturnType<Scenarios[K]>>> {
    if (page === undefined || servers === undefined) throw new Error('the browser suite did not start')
    // The function is serialised into the page, where the bundle put the scenarios on `window`.
    const reported: unknown = await page.evaluate(
      ([scenario, apiUrl]) => (window as unknown as PageWindow).plyScenarios[scenario]?.(apiUrl),
      [name, servers.apiUrl] as [string, string],
    )
    return reported as Awaited<ReturnType<Scenarios[K]>>
  }

  /** The requests the API server received with `method` on `path`, in order of arrival. */
  function arrived(method: string, path: string): ArrivedRequest[] {
    return (servers?.requests ?? []).filter((request) => request.method === method && request.path === path)
  }

  it('sends a GET with path params and query, with no preflight', async () => {
    const result = await run('pathAndQuery')
    const path = '/users/a%20b%2Fc/repos'
    expect(result).toMatchObject({ status: 200, data: { path, query: { sort: 'updated', page: '2' } } })
    const [request] = arrived('GET', path)
    expect(request?.query.toString()).toBe('sort=updated&page=2')
    // A plain call adds no header that needs the server's leave.
    expect(arrived('OPTIONS', path)).toHaveLength(0)
  })

  it('rejects a 404 with an HttpError', async () => {
    expect(await run('notFound')).toEqual({
      threw: true,
      isHttpError: true,
      isPlyError: true,
      status: 404,
      data: { message: 'Not Found' },
    })
  })

  it('answers the second call from the cache', async () => {
    const [first, second] = await run('cacheMissThenHit')
    expect(first).toMatchObject({ cacheStatus: 'miss', data: { count: 1 }, attempts: 1 })
    expect(second).toMatchObject({ cacheStatus: 'hit', data: { count: 1 }, attempts: 0 })
    expect(arrived('GET', '/cached')).toHaveLength(1)
  })

  it('revalidates a stale entry with its ETag and serves it on 304', async () => {
    const [first, second] = await run('etagRevalidation')
    expect(first).toMatchObject({ cacheStatus: 'miss', data: { count: 1 } })
    expect(second).toMatchObject({ status: 200, cacheStatus: 'revalidated', data: { count: 1 } })
    const requests = arrived('GET', '/etag')
    expect(requests).toHaveLength(2)
    expect(requests[0]?.headers['if-none-match']).toBeUndefined()
    expect(requests[1]?.headers['if-none-match']).toBe('"v1"')
  })

  it('retries a 503 no sooner than its Retry-After allows', async () => {
    expect(await run('retryAfter503')).toMatchObject({ status: 200, attempts: 2, data: { count: 2 } })
    const [refused, retried] = arrived('GET', '/flaky')
    expect(arrived('GET', '/flaky')).toHaveLength(2)
    // Retry-After: 1 counts from the 503's arrival at the page, which is after the server sent it.
    expect((retried?.at ?? 0) - (refused?.at ?? 0)).toBeGreaterThanOrEqual(1000)
  })

  it('shares one request among concurrent identical GETs', async () => {
    const results = await run('dedupeConcurrent')
    expect(results).toHaveLength(5)
    for (const result of results) expect(result).toMatchObject({ status: 200, data: { count: 1 } })
    expect(arrived('GET', '/shared')).toHaveLength(1)
  })

  it('spaces calls to perSecond: 5', async () => {
    const { calls } = await run('rateLimited')
    expect(calls.map(({ status }) => status)).toEqual([200, 200, 200, 200, 200, 200, 200])
    const arrivals = arrived('GET', '/limited').map(({ at }) => at)
    expect(arrivals).toHaveLength(7)
    // The limiter holds any second of its own clock to 5 starts; the server sees each start
    // plus its trip through the browser's network stack, which is not the same for every
    // request (a new connection, a busy machine). The window is shortened by that allowance:
    // without the limiter all 7 arrive within a few milliseconds.
    const transitAllowanceMs = 150
    expect(busiestWindow(arrivals, 1000 - transitAllowanceMs)).toBeLessThanOrEqual(5)
  })

  it('puts bearer, basic and apiKey (query) credentials on the wire', async () => {
    const reports = await run('credentials')
    expect(reports.bearer.data).toMatchObject({ authorization: 'Bearer browser-bearer-token' })
    expect(arrived('GET', '/whoami/bearer')[0]?.headers.authorization).toBe('Bearer browser-bearer-token')
    expect(arrived('GET', '/whoami/basic')[0]?.headers.authorization).toBe(`Basic ${base64('browser-user:pässwörd ✓')}`)
    const [keyed] = arrived('GET', '/whoami/api-key')
    expect(keyed?.query.get('appid')).toBe('browser-api-key')
    expect(keyed?.headers.authorization).toBeUndefined()
  })

  it('fetches one OAuth2 client-credentials token for concurrent calls', async () => {
    const results = await run('oauth2SingleFlight')
    for (const result of results) expect(result).toMatchObject({ status: 200, data: { me: 'client' } })
    const tokenRequests = arrived('POST', '/oauth/token')
    expect(tokenRequests).toHaveLength(1)
    expect(new URLSearchParams(tokenRequests[0]?.body).get('grant_type')).toBe('client_credentials')
    expect(tokenRequests[0]?.headers.authorization).toBe(`Basic ${base64('browser-client:browser-secret')}`)
    const calls = arrived('GET', '/me')
    expect(calls).toHaveLength(5)
    for (const call of calls) expect(call.headers.authorization).toBe(`Bearer ${ISSUED_TOKEN}`)
  })

  it('runs the stack when client.fetch is called unbound', async () => {
    expect(await run('unboundFetch')).toEqual({
      status: 200,
      body: { path: '/unbound', query: {}, authorization: 'Bearer unbound-token' },
    })
    expect(arrived('GET', '/unbound')).toHaveLength(1)
  })
})
