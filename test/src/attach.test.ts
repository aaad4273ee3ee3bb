import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Client, ConfigError, type Context, compose, createClient, type Middleware } from '../../src/index.ts'
import type { MiddlewareHost } from '../../src/kit.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startServer((_req, res) => sendJson(res, 200, { ok: true }))
})
afterAll(() => server.close())

/** A middleware that records the hosts it joins and the base origin each call carries. */
function recorder() {
  const hosts: MiddlewareHost[] = []
  const origins: (string | undefined)[] = []
  const middleware: Middleware = Object.assign(
    (ctx: Context, next: () => Promise<void>) => {
      origins.push(ctx.baseOrigin)
      return next()
    },
    { attach: (host: MiddlewareHost) => void hosts.push(host) },
  )
  return { middleware, hosts, origins }
}

describe('Middleware.attach and ctx.baseOrigin', () => {
  it('tells a middleware the origin of the client it joins, and every call carries it', async () => {
    const { middleware, hosts, origins } = recorder()
    const api = createClient({ baseUrl: `${server.url}/v1/` }).use(middleware)
    expect(hosts).toEqual([{ baseOrigin: server.url }])
    await api.get('things')
    expect(origins).toEqual([server.url])
  })

  it('is told again for new Client(options, middlewares), a child of extend() and through compose()', () => {
    const { middleware, hosts } = recorder()
    const parent = new Client({ baseUrl: 'https://a.example/api' }, [compose([middleware])])
    parent.extend({ baseUrl: 'https://b.example' })
    createClient().use(compose([middleware]))
    expect(hosts).toEqual([
      { baseOrigin: 'https://a.example' },
      { baseOrigin: 'https://b.example' },
      { baseOrigin: undefined },
    ])
  })

  it('may refuse a client: use() throws what attach throws, and the middleware is not added', async () => {
    const calls: string[] = []
    const picky: Middleware = Object.assign(
      (_ctx: Context, next: () => Promise<void>) => {
        calls.push('picky')
        return next()
      },
      {
        attach: (host: MiddlewareHost) => {
          if (host.baseOrigin === undefined) throw new ConfigError('picky(): the client needs a baseUrl')
        },
      },
    )
    const api = createClient()
    expect(() => api.use(picky)).toThrow(/picky\(\): the client needs a baseUrl/)
    await api.get(`${server.url}/x`)
    expect(calls).toEqual([])
  })
})
