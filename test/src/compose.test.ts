import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Client, ConfigError, compose, createClient, type Middleware, PlyError } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
let client: () => Client

beforeAll(async () => {
  server = await startServer((req, res) => sendJson(res, 200, { header: req.headers['x-step'] ?? null }))
  client = () => createClient({ baseUrl: server.url })
})
afterAll(() => server.close())

function recorder(name: string, log: string[]): Middleware {
  return async (_ctx, next) => {
    log.push(`${name}>`)
    await next()
    log.push(`<${name}`)
  }
}

describe('the onion', () => {
  it('runs use(a).use(b).use(c) as a → b → c → transport → c → b → a', async () => {
    const log: string[] = []
    const seenBefore = server.requests.length
    const transportSpy: Middleware = async (_ctx, next) => {
      await next()
      log.push(`transport(${server.requests.length - seenBefore})`)
    }
    await client().use(recorder('a', log)).use(recorder('b', log)).use(recorder('c', log)).use(transportSpy).get('/')
    expect(log).toEqual(['a>', 'b>', 'c>', 'transport(1)', '<c', '<b', '<a'])
  })

  it('stops at a middleware that answers without calling next()', async () => {
    const log: string[] = []
    const before = server.requests.length
    const answer: Middleware = async (ctx) => {
      log.push('answer')
      ctx.response = Response.json({ from: 'middleware' })
    }
    const response = await client().use(recorder('a', log)).use(answer).use(recorder('never', log)).get('/')
    expect(log).toEqual(['a>', 'answer', '<a'])
    expect(response.data).toEqual({ from: 'middleware' })
    expect(response.attempts).toBe(0)
    expect(server.requests.length).toBe(before)
  })

  it('replays: next() called three times makes three transport calls', async () => {
    const before = server.requests.length
    const thrice: Middleware = async (_ctx, next) => {
      await next()
      await next()
      await next()
    }
    const response = await client().use(thrice).get('/')
    expect(server.requests.length - before).toBe(3)
    expect(response.attempts).toBe(3)
  })

  it("does not leak an inner middleware's header change from one attempt into the next", async () => {
    const before = server.requests.length
    const twice: Middleware = async (_ctx, next) => {
      await next()
      await next()
    }
    let attempt = 0
    const firstOnly: Middleware = async (ctx, next) => {
      attempt += 1
      if (attempt === 1) ctx.request.headers.set('x-step', 'first')
      await next()
    }
    await client().use(twice).use(firstOnly).get('/')
    const sent = server.requests.slice(before).map((request) => request.headers['x-step'])
    expect(sent).toEqual(['first', undefined])
  })

  it('gives each attempt the request as the calling middleware left it', async () => {
    const before = server.requests.length
    const outer: Middleware = async (ctx, next) => {
      ctx.request.headers.set('x-step', 'outer')
      await next()
      expect(ctx.request.headers.get('x-step')).toBe('outer')
      await next()
    }
    const inner: Middleware = async (ctx, next) => {
      expect(ctx.request.headers.get('x-step')).toBe('outer')
      ctx.request.headers.set('x-step', 'inner')
      ctx.request.url.searchParams.set('inner', '1')
      await next()
    }
    await client().use(outer).use(inner).get('/')
    const sent = server.requests.slice(before)
    expect(sent.map((request) => request.headers['x-step'])).toEqual(['inner', 'inner'])
    expect(sent.map((request) => request.url)).toEqual(['/?inner=1', '/?inner=1'])
  })

  it('clears the previous response before each next()', async () => {
    const seen: unknown[] = []
    const twice: Middleware = async (ctx, next) => {
      await next()
      seen.push(ctx.response?.status)
      await ctx.response?.body?.cancel()
      const pending = next()
      seen.push(ctx.response)
      await pending
    }
    await client().use(twice).get('/')
    expect(seen).toEqual([200, undefined])
  })

  it('rejects overlapping calls of next()', async () => {
    const overlapping: Middleware = async (_ctx, next) => {
      await Promise.all([next(), next()])
    }
    const error = await client()
      .use(overlapping)
      .get('/')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(PlyError)
    expect((error as Error).message).toMatch(/must not overlap/)
  })

  it('turns a middleware that throws synchronously into a rejection', async () => {
    const thrower = (() => {
      throw new Error('boom')
    }) as unknown as Middleware
    await expect(client().use(thrower).get('/')).rejects.toThrow('boom')
  })

  it('reports a stack that settles without a response', async () => {
    const silent: Middleware = async () => {}
    await expect(client().use(silent).get('/')).rejects.toThrow(/without a response/)
  })

  it('rejects a middleware that is not a function at use() time', () => {
    const api = client()
    expect(() => api.use('nope' as unknown as Middleware)).toThrow(ConfigError)
    expect(() => api.use(undefined as unknown as Middleware)).toThrow(/use\(\) must be a middleware function/)
    expect(() => compose([async () => {}, null as unknown as Middleware])).toThrow(/middleware #1/)
  })

  it('composes a composed stack like any middleware', async () => {
    const log: string[] = []
    const inner = compose([recorder('x', log), recorder('y', log)])
    await client().use(recorder('a', log)).use(inner).use(recorder('z', log)).get('/')
    expect(log).toEqual(['a>', 'x>', 'y>', 'z>', '<z', '<y', '<x', '<a'])
  })
})
