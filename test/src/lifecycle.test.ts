import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cache, dedupe, parse, rateLimit, retry } from '../../middleware/index.ts'
import { github, openWeatherMap } from '../../presets/index.ts'
import {
  AbortError,
  type Client,
  ClientClosedError,
  ConfigError,
  compose,
  createClient,
  type Middleware,
  PlyError,
} from '../../src/index.ts'
import { summarize } from '../../src/kit.ts'
import { startServer, type TestServer } from '../support/server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url?.startsWith('/list')) {
      const page = Number(new URL(req.url, 'http://x').searchParams.get('page') ?? '1')
      if (page < 3) res.setHeader('link', `</list?page=${page + 1}>; rel="next"`)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify([page]))
      return
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ path: req.url }))
  })
})
afterAll(() => server.close())

/** A middleware that passes calls through and writes its hooks' calls to `log`. */
function recorder(name: string, log: string[], hooks: { flush?: boolean; close?: boolean } = {}): Middleware {
  const middleware: Middleware = (_ctx, next) => next()
  middleware.displayName = name
  if (hooks.flush) {
    middleware.flush = async () => {
      log.push(`flush ${name}`)
    }
  }
  if (hooks.close !== false) {
    middleware.close = async () => {
      // A tick between start and end: the next close must wait for this one.
      log.push(`close ${name} start`)
      await new Promise((resolve) => setTimeout(resolve, 5))
      log.push(`close ${name} end`)
    }
  }
  return middleware
}

/** Every way to make a call, each returning a promise of its outcome. */
const calls: Record<string, (client: Client) => Promise<unknown>> = {
  get: (client) => client.get('/a'),
  head: (client) => client.head('/a'),
  delete: (client) => client.delete('/a'),
  post: (client) => client.post('/a', { json: {} }),
  put: (client) => client.put('/a', { json: {} }),
  patch: (client) => client.patch('/a', { json: {} }),
  request: (client) => client.request('OPTIONS', '/a'),
  fetch: (client) => client.fetch('/a'),
  'paginate (for await)': async (client) => {
    for await (const _item of client.paginate('/list')) {
      // Never reached: the first page is refused.
    }
  },
  'paginate().all()': (client) => client.paginate('/list').all(),
}

describe('client.close()', () => {
  it('closes the stack innermost first, one middleware after the other, flush before close', async () => {
    const log: string[] = []
    const client = createClient({ baseUrl: server.url })
      .use(recorder('outer', log))
      .use(recorder('buffering', log, { flush: true }))
      .use(recorder('plain', log, { close: false }))
      .use(recorder('inner', log))
    await client.get('/a')
    await client.close()
    expect(log).toEqual([
      'close inner start',
      'close inner end',
      'flush buffering',
      'close buffering start',
      'close buffering end',
      'close outer start',
      'close outer end',
    ])
  })

  it('closes once: a second close() returns the same promise, and so does await using', async () => {
    const log: string[] = []
    const client = createClient({ baseUrl: server.url }).use(recorder('only', log))
    const first = client.close()
    expect(client.close()).toBe(first)
    await first
    await client[Symbol.asyncDispose]()
    expect(log).toEqual(['close only start', 'close only end'])
  })

  it('closes a middleware used twice in the stack once, and the members of a composed one innermost first', async () => {
    const log: string[] = []
    const shared = recorder('shared', log)
    const client = createClient({ baseUrl: server.url })
      .use(shared)
      .use(compose([recorder('a', log), recorder('b', log, { flush: true })]))
      .use(shared)
    await client.close()
    expect(log).toEqual([
      'close shared start',
      'close shared end',
      'flush b',
      'flush b',
      'close b start',
      'close b end',
      'close a start',
      'close a end',
    ])
  })

  it('closes every middleware even when one fails, and then rejects with its error', async () => {
    const log: string[] = []
    const failing: Middleware = (_ctx, next) => next()
    failing.close = () => Promise.reject(new Error('the connection would not end'))
    const client = createClient({ baseUrl: server.url })
      .use(recorder('outer', log))
      .use(failing)
      .use(recorder('inner', log))
    await expect(client.close()).rejects.toThrow('the connection would not end')
    expect(log).toEqual(['close inner start', 'close inner end', 'close outer start', 'close outer end'])
  })

  for (const [name, call] of Object.entries(calls)) {
    it(`refuses ${name} after close() has started, with a ClientClosedError, before anything is sent`, async () => {
      const client = createClient({ baseUrl: server.url }).use(parse())
      const before = server.requests.length
      void client.close()
      const error = await call(client).then(
        () => undefined,
        (caught: unknown) => caught,
      )
      expect(error).toBeInstanceOf(ClientClosedError)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error).toBeInstanceOf(PlyError)
      expect((error as Error).message).toMatch(/the client was closed/)
      expect(server.requests.length).toBe(before)
    })
  }

  it('stops a paginate() walk at the next page once the client is closed', async () => {
    const client = createClient({ baseUrl: server.url })
    const seen: unknown[] = []
    const walk = async () => {
      for await (const item of client.paginate<number[]>('/list')) {
        seen.push(item)
        await client.close()
      }
    }
    await expect(walk()).rejects.toBeInstanceOf(ClientClosedError)
    expect(seen).toEqual([1])
  })

  it('lets a call already under way finish', async () => {
    const client = createClient({ baseUrl: server.url }).use(parse())
    const call = client.get<{ path: string }>('/under-way')
    await client.close()
    await expect(call).resolves.toMatchObject({ data: { path: '/under-way' } })
  })

  it('closes the client at the end of an await using block', async () => {
    const log: string[] = []
    {
      await using api = createClient({ baseUrl: server.url }).use(recorder('scoped', log))
      await api.get('/a')
      expect(log).toEqual([])
    }
    expect(log).toEqual(['close scoped start', 'close scoped end'])
  })

  it('closes the whole shipped stack (cache, dedupe, retry, rateLimit) and settles a call queued in the limiter', async () => {
    const limiter = rateLimit({ perSecond: 1 })
    const client = createClient({ baseUrl: server.url })
      .use(parse())
      .use(cache())
      .use(dedupe())
      .use(retry())
      .use(limiter)
    await client.get('/first')
    // The limit allows one call a second: this one waits in the limiter's queue.
    const queued = client.get('/queued').then(
      () => 'answered',
      (error: unknown) => (error as Error).name,
    )
    await client.close()
    expect(await queued).toBe('AbortError')
  })
})

describe("the shipped middlewares' close()", () => {
  /** A Keyv-like store that remembers what was written and whether it was disconnected. */
  const keyvLike = (marked: boolean) => {
    const entries = new Map<string, unknown>()
    const store = {
      entries,
      disconnects: 0,
      get: async (key: string) => entries.get(key),
      set: async (key: string, value: unknown) => {
        // Slower than the call: the write is still in flight when the call returns.
        await new Promise((resolve) => setTimeout(resolve, 20))
        entries.set(key, value)
        return true
      },
      delete: async (key: string) => entries.delete(key),
      disconnect: async () => {
        store.disconnects += 1
      },
    }
    if (marked) Object.defineProperty(store, Symbol.for('ply-http.closedWithCache'), { value: true })
    return store
  }

  it('cache(): lands the writes under way, then disconnects a store ply opened for it, once', async () => {
    const store = keyvLike(true)
    const middleware = cache({ store, ttl: 60_000 })
    const client = createClient({ baseUrl: server.url }).use(parse()).use(middleware)
    await client.get('/cached')
    expect(store.entries.size).toBe(0)
    await client.close()
    expect(store.entries.size).toBe(1)
    expect(store.disconnects).toBe(1)
    await middleware.close()
    expect(store.disconnects).toBe(1)
  })

  it('cache(): leaves a store you built connected', async () => {
    const store = keyvLike(false)
    const client = createClient({ baseUrl: server.url }).use(cache({ store, ttl: 60_000 }))
    await client.get('/cached')
    await client.close()
    expect(store.entries.size).toBe(1)
    expect(store.disconnects).toBe(0)
  })

  it('retry(): a call waiting in its back-off settles with an AbortError', async () => {
    let attempts = 0
    const failing = await startServer((_req, res) => {
      attempts += 1
      res.statusCode = 503
      res.setHeader('retry-after', '60')
      res.end()
    })
    try {
      const client = createClient({ baseUrl: failing.url }).use(retry({ maxRetryAfter: 120_000 }))
      const waiting = client.get('/busy').then(
        () => 'answered',
        (error: unknown) => (error as Error).name,
      )
      await expect.poll(() => attempts).toBe(1)
      await client.close()
      expect(await waiting).toBe('AbortError')
      expect(attempts).toBe(1)
    } finally {
      await failing.close()
    }
  })

  it('rateLimit(): an attempt after close() is refused with an AbortError, and close() is idempotent', async () => {
    const limiter = rateLimit({ perSecond: 100 })
    // Not through a client: what an attempt of a call sent before close() would meet.
    const client = createClient({ baseUrl: server.url }).use(limiter)
    const other = createClient({ baseUrl: server.url }).use(limiter)
    await client.close()
    await expect(limiter.close()).resolves.toBeUndefined()
    await expect(other.get('/a')).rejects.toMatchObject({ name: 'AbortError' })
  })
})

// ---- docs/middleware-authoring.md, "Closing: close() and flush()", copied verbatim ----

/** Lets one call through every `ms`; close() settles the calls still waiting. */
function spaced(ms: number): Middleware {
  let last = 0
  const closing = new AbortController()
  const middleware: Middleware = async (ctx, next) => {
    const request = summarize(ctx.request.method, ctx.request.peekUrl())
    if (closing.signal.aborted) throw new AbortError('spaced() is closed; the call was not sent', { request })
    const wait = Math.max(0, last + ms - Date.now())
    last = Date.now() + wait
    if (wait > 0) {
      await new Promise<void>((resolve, reject) => {
        const onClose = (): void => {
          clearTimeout(timer)
          reject(new AbortError('the client was closed while the call waited', { request }))
        }
        const timer = setTimeout(() => {
          closing.signal.removeEventListener('abort', onClose)
          resolve()
        }, wait)
        closing.signal.addEventListener('abort', onClose, { once: true })
      })
    }
    await next()
  }
  // Aborting twice does nothing: a second close() resolves as the first did.
  middleware.close = async () => closing.abort()
  return middleware
}

describe("the authoring guide's closing example", () => {
  it('is the one on the page', () => {
    const page = readFileSync(new URL('../../docs/middleware-authoring.md', import.meta.url), 'utf8')
    const source = readFileSync(new URL(import.meta.url), 'utf8')
    const example = (text: string) =>
      text.slice(
        text.indexOf('/** Lets one call through'),
        text.indexOf('  return middleware\n}', text.indexOf('/** Lets one call through')),
      )
    expect(example(source).replace('function spaced', 'export function spaced')).toBe(example(page))
  })

  it('settles a waiting call with an AbortError when the client closes, and refuses later attempts', async () => {
    const middleware = spaced(60_000)
    const client = createClient({ baseUrl: server.url }).use(middleware)
    await client.get('/a')
    const waiting = client.get('/b').catch((error: unknown) => error)
    await client.close()
    expect(await waiting).toBeInstanceOf(AbortError)
    await middleware.close?.()
    const other = createClient({ baseUrl: server.url }).use(middleware)
    await expect(other.get('/c')).rejects.toThrow('spaced() is closed')
  })
})

describe("a preset's close()", () => {
  it('closes its client: later calls are refused, and a second close() or await using is harmless', async () => {
    const gh = github({ baseUrl: server.url })
    const weather = openWeatherMap({ apiKey: 'k', baseUrl: server.url })
    await gh.close()
    await expect(gh.getUser('octocat')).rejects.toBeInstanceOf(ClientClosedError)
    await expect(gh.client.get('/a')).rejects.toBeInstanceOf(ClientClosedError)
    await gh.close()
    {
      await using scoped = weather
      expect(scoped.client).toBe(weather.client)
    }
    await expect(weather.current({ city: 'Paris' })).rejects.toBeInstanceOf(ClientClosedError)
  })
})

describe('an extend() child', () => {
  it('closes only the middlewares it added, and refuses calls once closed', async () => {
    const log: string[] = []
    const parent = createClient({ baseUrl: server.url }).use(recorder('parent', log))
    const child = parent.extend({ headers: { 'x-child': '1' } }).use(recorder('child', log))
    await child.close()
    expect(log).toEqual(['close child start', 'close child end'])
    await expect(child.get('/a')).rejects.toBeInstanceOf(ClientClosedError)
    await expect(parent.get('/a')).resolves.toMatchObject({ status: 200 })
    await parent.close()
    expect(log).toEqual(['close child start', 'close child end', 'close parent start', 'close parent end'])
  })

  it('is closed with its parent: its calls are refused, naming the parent', async () => {
    const parent = createClient({ baseUrl: server.url })
    const child = parent.extend()
    const grandchild = child.extend()
    await parent.close()
    await expect(child.get('/a')).rejects.toThrow(/the client it was extended from was closed/)
    await expect(grandchild.fetch('/a')).rejects.toBeInstanceOf(ClientClosedError)
  })
})
