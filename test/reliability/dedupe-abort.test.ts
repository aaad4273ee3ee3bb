import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dedupe, parse, rateLimit } from '../../middleware/index.ts'
import { AbortError, createClient, type Middleware } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

// Found by the chaos run: when the caller that sent a shared request aborted while the request
// was still inside the stack (waiting in a limiter, a backoff, any middleware that waits), the
// callers sharing it failed with that caller's AbortError, and the request was never sent.

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    setTimeout(() => sendJson(res, 200, { url: req.url }), 30)
  })
})
afterAll(() => server.close())

const seen = (path: string) => server.requests.filter((request) => request.url === path).length

describe('dedupe(): the first caller aborts while the shared request waits inside the stack', () => {
  it('behind a middleware that waits: the other caller still gets the answer, from one request', async () => {
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let entered = () => {}
    const reached = new Promise<void>((resolve) => {
      entered = resolve
    })
    const hold: Middleware = async (_ctx, next) => {
      entered()
      await held
      await next()
    }
    const api = createClient({ baseUrl: server.url }).use(parse()).use(dedupe()).use(hold)
    const controller = new AbortController()
    const first = api.get('/held', { signal: controller.signal })
    first.catch(() => undefined)
    await reached
    const second = api.get('/held')
    await new Promise((resolve) => setTimeout(resolve, 20)) // the second joins the shared call
    controller.abort(new Error('the first caller gave up'))
    await expect(first).rejects.toBeInstanceOf(AbortError)
    release()
    const response = await second
    expect(response.status).toBe(200)
    expect(response.data).toEqual({ url: '/held' })
    expect(seen('/held')).toBe(1)
  })

  it('queued behind a rate limit: the other caller is not aborted with the first', async () => {
    const limiter = rateLimit({ concurrency: 1 })
    const api = createClient({ baseUrl: server.url }).use(parse()).use(dedupe()).use(limiter)
    const busy = api.get('/busy') // takes the only slot for 30 ms
    const controller = new AbortController()
    const first = api.get('/queued', { signal: controller.signal })
    first.catch(() => undefined)
    const second = api.get('/queued')
    await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    await expect(first).rejects.toBeInstanceOf(AbortError)
    const [answer] = await Promise.all([second, busy])
    expect(answer.status).toBe(200)
    expect(seen('/queued')).toBe(1)
  })

  it('a first caller that does not abort still counts the attempt it made', async () => {
    const api = createClient({ baseUrl: server.url }).use(dedupe())
    const controller = new AbortController()
    const [first, second] = await Promise.all([api.get('/counted', { signal: controller.signal }), api.get('/counted')])
    expect(first.attempts).toBe(1)
    expect(second.attempts).toBe(0)
    expect(seen('/counted')).toBe(1)
  })
})
