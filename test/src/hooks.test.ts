import { describe, expect, it } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { type Context, createClient, type Middleware } from '../../src/index.ts'
import { detachContext, ReplayedResponse } from '../../src/kit.ts'
import { startServer } from '../support/server.ts'

const stub = (status = 200) =>
  (async () => new Response('{"ok":true}', { status, headers: { 'content-type': 'application/json' } })) as typeof fetch

describe('prepare hooks', () => {
  it('run outermost first, before any middleware, once per call', async () => {
    const order: string[] = []
    const tagged = (name: string): Middleware => {
      const middleware: Middleware = async (_ctx, next) => {
        order.push(`run ${name}`)
        await next()
      }
      middleware.prepare = () => {
        order.push(`prepare ${name}`)
      }
      return middleware
    }
    const api = createClient({ baseUrl: 'http://api.test', fetch: stub() }).use(tagged('a')).use(tagged('b'))
    await api.get('/')
    expect(order).toEqual(['prepare a', 'prepare b', 'run a', 'run b'])
  })

  it('let a middleware outside auth see the credential scope before it calls next()', async () => {
    const scopes: (string | undefined)[] = []
    const observer: Middleware = async (ctx, next) => {
      scopes.push(ctx.state.credentialScope)
      await next()
    }
    let calls = 0
    const token = async () => {
      calls += 1
      return 'rotating-token-1'
    }
    const api = createClient({ baseUrl: 'http://api.test', fetch: stub() }).use(observer).use(auth.bearer(token))
    await api.get('/')
    expect(scopes[0]).toMatch(/^bearer:/)
    // The token resolved to name the scope is the one the first attempt sends: one call, not two.
    expect(calls).toBe(1)
  })
})

describe('next(context)', () => {
  it('runs the inner stack for a detached context while the caller goes on', async () => {
    const server = await startServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(req.url)
    })
    let background: Promise<void> | undefined
    let detached: Context | undefined
    const forker: Middleware = async (ctx, next) => {
      detached = detachContext(ctx)
      detached.request.url = new URL('/background', ctx.request.url)
      background = next(detached)
      await next()
    }
    const api = createClient({ baseUrl: server.url }).use(forker)
    const response = await api.get('/own')
    expect(response.data).toBe('/own')
    await background
    expect(await detached?.response?.text()).toBe('/background')
    expect(detached?.request.signal).toBeUndefined()
    await server.close()
  })
})

describe('ReplayedResponse', () => {
  it('behaves as a Response: body stream, text, clone, bodyUsed, url', async () => {
    const bytes = new TextEncoder().encode('{"a":1}')
    const response = new ReplayedResponse(bytes, {
      status: 200,
      headers: { 'content-type': 'application/json' },
      url: 'http://api.test/a',
    })
    expect(response).toBeInstanceOf(Response)
    expect(response.url).toBe('http://api.test/a')
    const copy = response.clone()
    expect(await response.json()).toEqual({ a: 1 })
    expect(response.bodyUsed).toBe(true)
    await expect(response.text()).rejects.toThrow(TypeError)
    expect(await new Response(copy.body).text()).toBe('{"a":1}')
    expect(new ReplayedResponse(bytes, { status: 204, headers: {} }).body).toBeNull()
  })

  it('hands out a copy: writing to what a reader got does not change the replayed bytes', async () => {
    const bytes = new Uint8Array([1, 2, 3])
    const first = await new ReplayedResponse(bytes, { status: 200, headers: {} }).bytes()
    first[0] = 9
    expect(bytes[0]).toBe(1)
  })
})
