// A call's options are checked against the names someone reads: the core's, and those the
// client's middlewares declare in their `callOptions`. The walk enumerates the methods of the
// client and of the presets: each is in a table of calls, with a misspelling of one of its
// options, or exempt with a reason, so a new method cannot skip the check. Then: how a
// middleware declares what it reads, and what a preset refuses.
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import type { DEDUPE_CALL_OPTIONS } from '../../middleware/dedupe/options.ts'
import { dedupe, rateLimit, retry } from '../../middleware/index.ts'
import type { RATE_LIMIT_CALL_OPTIONS } from '../../middleware/ratelimit/option-names.ts'
import type { RETRY_CALL_OPTIONS } from '../../middleware/retry/options.ts'
import * as presets from '../../presets/index.ts'
import type { CORE_CALL_OPTIONS } from '../../src/call-options.ts'
import * as core from '../../src/index.ts'
import { failureOf, release } from '../support/refusal.ts'
import { startServer, type TestServer } from '../support/server.ts'

const TOKEN = 'call-options-token'
let server: TestServer

beforeAll(async () => {
  server = await startServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end('[]')
  })
})
afterEach(() => {
  server.requests.length = 0
})
afterAll(() => server.close())

/** A method that takes a call's options, called with minimal valid arguments and `extra` in them. */
type Call<T> = readonly [
  invoke: (target: T, extra: Record<string, unknown>) => unknown,
  where: string,
  wrong: string,
  right: string,
]

const CLIENT_CALLS: Readonly<Record<string, Call<core.Client>>> = {
  request: [(api, extra) => api.request('GET', '/x', extra), 'request()', 'querry', 'query'],
  get: [(api, extra) => api.get('/x', extra), 'get()', 'querry', 'query'],
  head: [(api, extra) => api.head('/x', extra), 'head()', 'header', 'headers'],
  delete: [(api, extra) => api.delete('/x', extra), 'delete()', 'timout', 'timeout'],
  post: [(api, extra) => api.post('/x', extra), 'post()', 'jsn', 'json'],
  put: [(api, extra) => api.put('/x', extra), 'put()', 'frm', 'form'],
  patch: [(api, extra) => api.patch('/x', extra), 'patch()', 'sigal', 'signal'],
  paginate: [(api, extra) => api.paginate('/x', extra), 'paginate()', 'maxPage', 'maxPages'],
  extend: [(api, extra) => api.extend(extra), 'extend()', 'baseurl', 'baseUrl'],
}
const GITHUB_CALLS: Readonly<Record<string, Call<presets.GitHub>>> = {
  request: [
    (gh, extra) => gh.request('GET /users/{username}', { username: 'x' }, extra),
    'github GET /users/{username}',
    'tmeout',
    'timeout',
  ],
  getUser: [(gh, extra) => gh.getUser('x', extra), 'github GET /users/{username}', 'deadlin', 'deadline'],
  getRepo: [(gh, extra) => gh.getRepo('o', 'r', extra), 'github GET /repos/{owner}/{repo}', 'cach', 'cache'],
  getRateLimit: [(gh, extra) => gh.getRateLimit(extra), 'github GET /rate_limit', 'header', 'headers'],
  searchRepositories: [
    (gh, extra) => gh.searchRepositories('q', {}, extra),
    'github GET /search/repositories',
    'retyr',
    'retry',
  ],
  paginate: [
    (gh, extra) => gh.paginate('GET /users/{username}/repos', { username: 'x' }, extra),
    'github paginate /users/{username}/repos',
    'maxPage',
    'maxPages',
  ],
  listUserRepos: [
    (gh, extra) => gh.listUserRepos('x', {}, extra),
    'github paginate /users/{username}/repos',
    'maxItem',
    'maxItems',
  ],
  listIssues: [
    (gh, extra) => gh.listIssues('o', 'r', {}, extra),
    'github paginate /repos/{owner}/{repo}/issues',
    'priorty',
    'priority',
  ],
}
const WEATHER_CALLS: Readonly<Record<string, Call<presets.OpenWeatherMap>>> = {
  current: [(w, extra) => w.current('London', extra), 'openWeatherMap current()', 'unitz', 'units'],
  forecast: [(w, extra) => w.forecast('London', extra), 'openWeatherMap forecast()', 'lng', 'lang'],
}
/** Methods that take no call options, and why. */
const CALL_EXEMPT: Readonly<Record<string, string>> = {
  constructor: 'the factory, walked in unknown-options.test.ts',
  use: 'takes a middleware',
  on: 'takes an event name and a listener',
  off: 'takes an event name and a listener',
  quota: 'takes a group name',
  close: 'takes nothing',
  fetch: "takes fetch's own RequestInit, which carries no ply option",
  callOptions: 'a getter',
}

describe('the walk over the methods that take a call’s options', () => {
  const walks = [
    ['Client', core.Client, CLIENT_CALLS, () => core.createClient({ baseUrl: server.url })],
    ['GitHub', presets.GitHub, GITHUB_CALLS, () => presets.github({ baseUrl: server.url, cache: false })],
    [
      'OpenWeatherMap',
      presets.OpenWeatherMap,
      WEATHER_CALLS,
      () => presets.openWeatherMap({ apiKey: TOKEN, baseUrl: server.url, cache: false }),
    ],
  ] as const

  it.each(walks)('finds every method of %s in its table of calls or among the exempt', (_name, type, calls) => {
    const methods = Object.getOwnPropertyNames(type.prototype)
    expect(methods.filter((name) => !(name in calls) && !(name in CALL_EXEMPT))).toEqual([])
  })

  it.each(
    walks.flatMap(([name, , calls, make]) =>
      Object.entries(calls as Readonly<Record<string, Call<never>>>).map(
        ([method, call]) => [`${name}.${method}`, call, make] as const,
      ),
    ),
  )('%s refuses a misspelt option before any request', async (_name, [invoke, where, wrong, right], make) => {
    const target = make()
    try {
      const error = await failureOf(() => invoke(target as never, { [wrong]: 1 }))
      expect(error).toBeInstanceOf(core.ConfigError)
      const expected = `${where}: unknown option '${wrong}' (did you mean '${right}'?)`
      expect((error as Error).message.slice(0, expected.length)).toBe(expected)
      expect(server.requests).toEqual([])
    } finally {
      await release(target)
    }
  })
})

// ---- docs/middleware-authoring.md, the `tenant()` example (not exported here, the types through `core`) ----

declare module '../../src/index.ts' {
  interface ContextState {
    /** Set by `tenant()`: the tenant this call was sent for. */
    tenant?: string | undefined
  }
  interface RequestOptions {
    /** The tenant for this call; `tenant()` falls back to the one it was created with. */
    tenant?: string | undefined
  }
}

/** Sends `X-Tenant` and records the tenant in `ctx.state.tenant`. */
function tenant(fallback: string): core.Middleware {
  const middleware: core.Middleware = async (ctx, next) => {
    const name = ctx.request.options.tenant ?? fallback
    ctx.state.tenant = name
    ctx.request.headers.set('x-tenant', name)
    await next()
  }
  middleware.callOptions = ['tenant'] // the per-call options it reads
  return middleware
}

// ---- end of the copy ----

/** What the message of an option no one reads says about declaring it. */
const declareHint = (name: string) => `if a middleware reads it, declare it there: middleware.callOptions = ['${name}']`

describe('declaring the per-call options a middleware reads', () => {
  it('lets a call give an option its middleware declares, and refuses it on a client without that middleware', async () => {
    const api = core.createClient({ baseUrl: server.url }).use(tenant('default'))
    await api.get('/reports', { tenant: 'acme' })
    expect(server.requests.map((request) => request.headers['x-tenant'])).toEqual(['acme'])

    const bare = core.createClient({ baseUrl: server.url })
    const error = await failureOf(() => bare.get('/reports', { tenant: 'acme' }))
    expect(error).toBeInstanceOf(core.ConfigError)
    expect((error as Error).message).toBe(`get(): unknown option 'tenant'; ${declareHint('tenant')}`)
    expect(server.requests).toHaveLength(1)
  })

  it('knows the options of the shipped middlewares once they are used', async () => {
    const bare = core.createClient({ baseUrl: server.url })
    for (const option of [{ retry: false }, { priority: 1 }, { dedupe: false }]) {
      await expect(bare.get('/x', option)).rejects.toThrow(core.ConfigError)
    }
    const api = core.createClient({ baseUrl: server.url }).use(dedupe()).use(retry()).use(rateLimit())
    await api.get('/x', { retry: false, priority: 1, dedupe: false })
    expect([...api.callOptions]).toEqual(expect.arrayContaining(['query', 'retry', 'priority', 'dedupe']))
    expect(server.requests).toHaveLength(1)
  })

  it("checks a call's retry: { … } against what it takes", async () => {
    const api = core.createClient({ baseUrl: server.url }).use(retry())
    const error = await failureOf(() => api.get('/x', { retry: { retires: 1 } as never }))
    expect((error as Error).message).toBe("a call's retry option: unknown option 'retires' (did you mean 'retries'?)")
    expect(server.requests).toEqual([])
  })

  it('carries the declarations through compose(), extend() and new Client(options, middlewares)', async () => {
    const composed = core.compose([tenant('a'), retry()])
    expect(composed.callOptions).toEqual(['tenant', 'retry'])
    const parent = core.createClient({ baseUrl: server.url }).use(composed)
    const child = parent.extend({ timeout: 5_000 })
    await child.get('/x', { tenant: 'acme', retry: false })
    child.use(rateLimit())
    await child.get('/x', { priority: 1 })
    await expect(parent.get('/x', { priority: 1 })).rejects.toThrow("get(): unknown option 'priority'")
    const copy = new core.Client({ baseUrl: server.url }, [tenant('a')])
    await copy.get('/x', { tenant: 'b' })
    expect(server.requests).toHaveLength(3)
  })

  it('refuses a declaration that is not a list of names, and leaves the stack as it was', async () => {
    const api = core.createClient({ baseUrl: server.url })
    const bad = Object.assign(tenant('a'), { callOptions: 'tenant' as never })
    expect(() => api.use(bad)).toThrow("use(): the middleware's callOptions must be an array of option names")
    await api.get('/x')
    expect(server.requests[0]?.headers['x-tenant']).toBeUndefined()
  })

  it('checks own keys only, refuses an unknown one set to undefined, and refuses options that are not an object', async () => {
    const api = core.createClient({ baseUrl: server.url })
    const inherited = Object.create({ bogus: 1 }) as Record<string, never>
    await api.get('/x', inherited)
    await expect(api.get('/x', { querry: undefined } as never)).rejects.toThrow("unknown option 'querry'")
    await expect(api.get('/x', 'query' as never)).rejects.toThrow('get(): options must be an object, got string')
    expect(server.requests).toHaveLength(1)
  })
})

describe("a preset's call options", () => {
  it('refuses what the method builds itself', async () => {
    const gh = presets.github({ baseUrl: server.url, cache: false })
    const w = presets.openWeatherMap({ apiKey: TOKEN, baseUrl: server.url, cache: false })
    try {
      await expect(gh.getUser('x', { query: { a: 1 } } as never)).rejects.toThrow(
        "github GET /users/{username}: 'query' is not an option here",
      )
      await expect(w.current('London', { json: {} } as never)).rejects.toThrow(
        "openWeatherMap current(): 'json' is not an option here",
      )
      expect(server.requests).toEqual([])
    } finally {
      await release(gh)
      await release(w)
    }
  })

  it('accepts what an outer middleware declares', async () => {
    const gh = presets.github({ baseUrl: server.url, cache: false, outer: [tenant('default')] })
    try {
      await gh.getUser('x', { tenant: 'acme' })
      expect(server.requests.map((request) => request.headers['x-tenant'])).toEqual(['acme'])
    } finally {
      await release(gh)
    }
  })
})

it('knows, at compile time, who declares each per-call option', () => {
  // Every option of `RequestOptions` is the core's or declared by a shipped middleware's
  // `callOptions`; `tries` is test/src/types.test.ts's augmentation and `tenant` this file's.
  type Declared =
    | (typeof CORE_CALL_OPTIONS)[number]
    | (typeof RETRY_CALL_OPTIONS)[number]
    | (typeof RATE_LIMIT_CALL_OPTIONS)[number]
    | (typeof DEDUPE_CALL_OPTIONS)[number]
    | 'tries'
    | 'tenant'
  expectTypeOf<Exclude<keyof core.RequestOptions, Declared>>().toEqualTypeOf<never>()
})
