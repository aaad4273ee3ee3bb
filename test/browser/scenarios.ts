// Runs in the browser: bundled by esbuild for the page, it puts the scenarios on `window`
// for the test to call with the API's origin. Each returns plain data (what crosses back
// through page.evaluate); the test checks it against what the API server saw.

import { auth, cache, dedupe, rateLimit, retry } from '../../middleware/index.ts'
import { type ApiResponse, createClient, HttpError, type Middleware, PlyError } from '../../src/index.ts'

/** What the page reports of one call. */
export interface CallReport {
  status: number
  data: unknown
  cacheStatus: string
  attempts: number
}

function report(response: ApiResponse): CallReport {
  return {
    status: response.status,
    data: response.data,
    cacheStatus: response.cacheStatus,
    attempts: response.attempts,
  }
}

/** A function written against the fetch signature, as ky or openapi-fetch take one: it calls `fetcher` unbound. */
async function readThrough(fetcher: typeof fetch, url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetcher(url, { headers: { accept: 'application/json' } })
  return { status: response.status, body: await response.json() }
}

export const scenarios = {
  async pathAndQuery(apiUrl: string): Promise<CallReport> {
    const api = createClient({ baseUrl: apiUrl })
    return report(
      await api.get('/users/{name}/repos', { params: { name: 'a b/c' }, query: { sort: 'updated', page: 2 } }),
    )
  },

  async notFound(apiUrl: string) {
    const api = createClient({ baseUrl: apiUrl })
    try {
      await api.get('/missing')
      return { threw: false }
    } catch (error) {
      return {
        threw: true,
        isHttpError: error instanceof HttpError,
        isPlyError: error instanceof PlyError,
        status: error instanceof HttpError ? error.status : undefined,
        data: error instanceof HttpError ? error.data : undefined,
      }
    }
  },

  async cacheMissThenHit(apiUrl: string): Promise<CallReport[]> {
    const api = createClient({ baseUrl: apiUrl }).use(cache())
    const first = await api.get('/cached')
    return [report(first), report(await api.get('/cached'))]
  },

  async etagRevalidation(apiUrl: string): Promise<CallReport[]> {
    const api = createClient({ baseUrl: apiUrl }).use(cache())
    const first = await api.get('/etag')
    return [report(first), report(await api.get('/etag'))]
  },

  async retryAfter503(apiUrl: string): Promise<CallReport> {
    const api = createClient({ baseUrl: apiUrl }).use(retry({ retries: 2 }))
    return report(await api.get('/flaky'))
  },

  async dedupeConcurrent(apiUrl: string): Promise<CallReport[]> {
    const api = createClient({ baseUrl: apiUrl }).use(dedupe())
    const calls = Array.from({ length: 5 }, () => api.get('/shared'))
    return (await Promise.all(calls)).map(report)
  },

  /** Seven calls through `perSecond: 5`; also returns when each left the limiter, on its own clock. */
  async rateLimited(apiUrl: string): Promise<{ calls: CallReport[]; startedAt: number[] }> {
    const startedAt: number[] = []
    const stamp: Middleware = (_ctx, next) => {
      startedAt.push(performance.now())
      return next()
    }
    const api = createClient({ baseUrl: apiUrl })
      .use(rateLimit({ perSecond: 5 }))
      .use(stamp)
    const calls = Array.from({ length: 7 }, () => api.get('/limited'))
    return { calls: (await Promise.all(calls)).map(report), startedAt }
  },

  async credentials(apiUrl: string): Promise<Record<'bearer' | 'basic' | 'apiKey', CallReport>> {
    const bearer = createClient({ baseUrl: apiUrl }).use(auth.bearer('browser-bearer-token'))
    // Not Latin-1: a UTF-8 password must go out as UTF-8 bytes in base64 (RFC 7617).
    const basic = createClient({ baseUrl: apiUrl }).use(auth.basic('browser-user', 'pässwörd ✓'))
    const apiKey = createClient({ baseUrl: apiUrl }).use(auth.apiKey({ query: 'appid' }, 'browser-api-key'))
    return {
      bearer: report(await bearer.get('/whoami/bearer')),
      basic: report(await basic.get('/whoami/basic')),
      apiKey: report(await apiKey.get('/whoami/api-key')),
    }
  },

  async oauth2SingleFlight(apiUrl: string): Promise<CallReport[]> {
    const api = createClient({ baseUrl: apiUrl }).use(
      auth.oauth2({
        tokenUrl: `${apiUrl}/oauth/token`,
        grant: 'client_credentials',
        clientId: 'browser-client',
        clientSecret: 'browser-secret',
      }),
    )
    const calls = Array.from({ length: 5 }, () => api.get('/me'))
    return (await Promise.all(calls)).map(report)
  },

  async unboundFetch(apiUrl: string) {
    const api = createClient({ baseUrl: apiUrl }).use(auth.bearer('unbound-token'))
    return readThrough(api.fetch, '/unbound')
  },
}

/** The scenarios by name, as the page exposes them. */
export type Scenarios = typeof scenarios

Object.assign(window, { plyScenarios: scenarios })
