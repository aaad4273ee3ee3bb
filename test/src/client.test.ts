import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  AbortError,
  Client,
  ConfigError,
  createClient,
  HttpError,
  type Middleware,
  NetworkError,
  ParseError,
  TimeoutError,
} from '../../src/index.ts'
import { REDACTED, registerSecret } from '../../src/kit.ts'
import { releaseStalled, routes } from '../support/routes.ts'
import { startServer, type TestServer } from '../support/server.ts'

interface Echo {
  method: string
  url: string
  contentType: string | null
  headers: Record<string, string>
  body: string
}

let server: TestServer
beforeAll(async () => {
  server = await startServer(routes)
})
afterAll(async () => {
  releaseStalled()
  await server.close()
})

const api = () => createClient({ baseUrl: server.url })

describe('requests against a real server', () => {
  it('sends every method', async () => {
    const client = api()
    expect((await client.get<Echo>('/echo')).data.method).toBe('GET')
    expect((await client.post<Echo>('/echo')).data.method).toBe('POST')
    expect((await client.put<Echo>('/echo')).data.method).toBe('PUT')
    expect((await client.patch<Echo>('/echo')).data.method).toBe('PATCH')
    expect((await client.delete<Echo>('/echo')).data.method).toBe('DELETE')
    expect((await client.request<Echo>('options', '/echo')).data.method).toBe('OPTIONS')
    const head = await client.head('/echo')
    expect(head.status).toBe(200)
    expect(head.data).toBeUndefined()
    expect(server.requests.at(-1)?.method).toBe('HEAD')
  })

  it('builds the path and a query with arrays, dropping undefined', async () => {
    const { data } = await api().get<Echo>('/echo/{id}', {
      params: { id: 'a b' },
      query: { tag: ['x', 'y'], page: 3, skip: undefined },
    })
    expect(data.url).toBe('/echo/a%20b?tag=x&tag=y&page=3')
  })

  it('keeps the query already in the path byte for byte and appends the query option', async () => {
    const { data } = await api().get<Echo>('/s?flag&q=a%20b', { query: { x: 1, tag: ['p q', 'r'] } })
    expect(data.url).toBe('/s?flag&q=a%20b&x=1&tag=p+q&tag=r')
    expect(server.requests.at(-1)?.url).toBe('/s?flag&q=a%20b&x=1&tag=p+q&tag=r')
  })

  it('refuses an object or a Date in query, naming the parameter, before any request', async () => {
    const before = server.requests.length
    const client = api()
    const object = await client.get('/echo', { query: { filter: { a: 1 } as never } }).catch((e: unknown) => e)
    expect(object).toBeInstanceOf(ConfigError)
    expect((object as Error).message).toMatch(/query parameter 'filter'/)
    const date = await client.get('/echo', { query: { since: [new Date(0)] as never } }).catch((e: unknown) => e)
    expect(date).toBeInstanceOf(ConfigError)
    expect((date as Error).message).toMatch(/query parameter 'since' .*a Date/)
    expect(server.requests.length).toBe(before)
    const { data } = await client.get<Echo>('/echo', { query: { n: 10n, on: true } })
    expect(data.url).toBe('/echo?n=10&on=true')
  })

  it('joins a relative path with a colon to baseUrl (custom methods)', async () => {
    const client = createClient({ baseUrl: `${server.url}/v1` })
    expect((await client.post<Echo>('users:search')).data.url).toBe('/v1/users:search')
    expect((await client.post<Echo>('{id}:activate', { params: { id: 42 } })).data.url).toBe('/v1/42:activate')
    expect(server.requests.at(-1)?.url).toBe('/v1/42:activate')
    await expect(client.get('ftp://files.example/x')).rejects.toThrow(/'ftp:' URLs are not supported/)
  })

  it('sends JSON with its content type', async () => {
    const { data } = await api().post<Echo>('/echo', { json: { name: 'ply', tags: ['a'] } })
    expect(data.contentType).toBe('application/json')
    expect(JSON.parse(data.body)).toEqual({ name: 'ply', tags: ['a'] })
  })

  it('sends a URL-encoded form and a multipart form', async () => {
    const urlencoded = await api().post<Echo>('/echo', { form: { a: '1', b: 'x y', skip: undefined } })
    expect(urlencoded.data.contentType).toMatch(/^application\/x-www-form-urlencoded/)
    expect(urlencoded.data.body).toBe('a=1&b=x+y')
    const form = new FormData()
    form.set('field', 'value')
    const multipart = await api().put<Echo>('/echo', { form })
    expect(multipart.data.contentType).toMatch(/^multipart\/form-data; boundary=/)
    expect(multipart.data.body).toContain('name="field"')
  })

  it('labels a body with the type it implies, over a client default content-type', async () => {
    const client = createClient({ baseUrl: server.url, headers: { 'content-type': 'application/json' } })
    const form = await client.post<Echo>('/echo', { form: { a: '1' } })
    expect(form.data.contentType).toMatch(/^application\/x-www-form-urlencoded/)
    expect(form.data.body).toBe('a=1')
    const params = await client.post<Echo>('/echo', { form: new URLSearchParams({ b: '2' }) })
    expect(params.data.contentType).toMatch(/^application\/x-www-form-urlencoded/)
    const multipart = new FormData()
    multipart.set('field', 'value')
    const fromForm = await client.put<Echo>('/echo', { form: multipart })
    expect(fromForm.data.contentType).toMatch(/^multipart\/form-data; boundary=/)
    expect(fromForm.data.body).toContain('name="field"')
    const fromBody = await client.put<Echo>('/echo', { body: multipart })
    expect(fromBody.data.contentType).toMatch(/^multipart\/form-data; boundary=/)
    const json = await createClient({ baseUrl: server.url, headers: { 'content-type': 'text/plain' } }).post<Echo>(
      '/echo',
      { json: { a: 1 } },
    )
    expect(json.data.contentType).toBe('application/json')
    // A raw string body implies no type: the default labels it.
    expect((await client.post<Echo>('/echo', { body: '{"raw":1}' })).data.contentType).toBe('application/json')
  })

  it('keeps a client default that is a JSON type for json, and a per-call content-type over any body', async () => {
    const client = createClient({ baseUrl: server.url, headers: { 'content-type': 'application/vnd.api+json' } })
    expect((await client.post<Echo>('/echo', { json: { a: 1 } })).data.contentType).toBe('application/vnd.api+json')
    const perCall = await client.post<Echo>('/echo', {
      form: { a: '1' },
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' },
    })
    expect(perCall.data.contentType).toBe('application/x-www-form-urlencoded; charset=latin1')
    const jsonPerCall = await api().post<Echo>('/echo', { json: {}, headers: { 'content-type': 'text/x-json' } })
    expect(jsonPerCall.data.contentType).toBe('text/x-json')
  })

  it('sends a raw body as is', async () => {
    const { data } = await api().post<Echo>('/echo', { body: 'raw text', headers: { 'content-type': 'text/x-raw' } })
    expect(data).toMatchObject({ body: 'raw text', contentType: 'text/x-raw' })
  })

  it('merges default and per-call headers, the call winning', async () => {
    const client = createClient({ baseUrl: server.url, headers: { 'x-app': 'ply', 'x-mode': 'default' } })
    const { data } = await client.get<Echo>('/echo', { headers: { 'x-mode': 'call' } })
    expect(data.headers['x-app']).toBe('ply')
    expect(data.headers['x-mode']).toBe('call')
    expect(data.headers.accept).toMatch(/application\/json/)
  })

  it('gives a 204 as undefined data', async () => {
    const response = await api().delete('/status/204')
    expect(response).toMatchObject({ status: 204, ok: true, data: undefined, attempts: 1, cacheStatus: 'bypass' })
    expect(response.fromCache).toBe(false)
    expect(response.elapsedMs).toBeGreaterThan(0)
    expect(response.url).toBe(`${server.url}/status/204`)
  })

  it('redacts ApiResponse.url: secret query parameters and registered secrets, the path included', async () => {
    registerSecret('tenant-key-5150')
    const response = await api().get('/t/{tenant}/echo', {
      params: { tenant: 'tenant-key-5150' },
      query: { access_token: 'abc123', page: 2 },
    })
    expect(server.requests.at(-1)?.url).toBe('/t/tenant-key-5150/echo?access_token=abc123&page=2')
    expect(response.url).toBe(`${server.url}/t/${REDACTED}/echo?access_token=${REDACTED}&page=2`)
    const noQuery = await api().get('/t/{tenant}/echo', { params: { tenant: 'tenant-key-5150' } })
    expect(noQuery.url).toBe(`${server.url}/t/${REDACTED}/echo`)
  })

  it('throws a 404 as an HttpError with the parsed body', async () => {
    const error = await api()
      .get('/status/404', { query: { token: 'hunter2' } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    const http = error as HttpError<{ message: string }>
    expect(http.status).toBe(404)
    expect(http.data).toEqual({ message: 'status 404' })
    expect(http.headers.get('content-type')).toBe('application/json')
    expect(http.request).toEqual({ method: 'GET', url: `${server.url}/status/404?token=[REDACTED]` })
    expect(http.message).not.toContain('hunter2')
    expect(JSON.stringify(http)).not.toContain('hunter2')
  })

  it('returns an error status as a value with throwHttpErrors: false', async () => {
    const perClient = await createClient({ baseUrl: server.url, throwHttpErrors: false }).get('/status/503')
    expect(perClient).toMatchObject({ status: 503, ok: false, data: { message: 'status 503' } })
    const perCall = await api().get('/status/500', { throwHttpErrors: false })
    expect(perCall.status).toBe(500)
  })

  it('times out a server that never answers, within the timeout', async () => {
    const started = performance.now()
    const error = await api()
      .get('/never', { timeout: 300 })
      .catch((e: unknown) => e)
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).timeoutMs).toBe(300)
    expect(elapsed).toBeGreaterThanOrEqual(240)
    // Not the default 10 s timeout: a bound that only a timeout ply failed to apply can cross.
    expect(elapsed).toBeLessThan(5_000)
  })

  it('fails at the call’s deadline even when the per-attempt timeout is longer', async () => {
    const started = performance.now()
    const error = await api()
      .get('/never', { timeout: 5_000, deadline: 250 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).message).toMatch(/deadline of 250 ms/)
    // Not the 5 s per-attempt timeout.
    expect(performance.now() - started).toBeLessThan(4_000)
    await expect(api().get('/echo', { deadline: 0 })).rejects.toThrow(ConfigError)
  })

  it('times out a body that stops arriving', async () => {
    const error = await createClient({ baseUrl: server.url, timeout: 200 })
      .get('/stall-body')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toMatch(/reading the response body/)
  })

  it('reports a refused connection as a NetworkError', async () => {
    const closed = await startServer(() => {})
    await closed.close()
    const error = await createClient({ baseUrl: closed.url })
      .get('/x')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).code).toBe('ECONNREFUSED')
    expect((error as NetworkError).request?.url).toBe(`${closed.url}/x`)
  })

  it('reports an aborted signal as an AbortError, before and during the request', async () => {
    const before = await api()
      .get('/echo', { signal: AbortSignal.abort() })
      .catch((e: unknown) => e)
    expect(before).toBeInstanceOf(AbortError)
    const controller = new AbortController()
    const pending = api().get('/never', { signal: controller.signal })
    setTimeout(() => controller.abort(new Error('user gave up')), 50)
    const during = await pending.catch((e: unknown) => e)
    expect(during).toBeInstanceOf(AbortError)
    expect((during as AbortError).cause).toEqual(new Error('user gave up'))
  })

  it('reports a non-JSON body labelled JSON as a ParseError with content type and position', async () => {
    const error = await api()
      .get('/bad-json')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParseError)
    const parseError = error as ParseError
    expect(parseError.contentType).toBe('application/json; charset=utf-8')
    expect(parseError.position).toBe(10)
    expect(parseError.message).toMatch(/application\/json.*position 10/)
  })

  it('parses JSON without any middleware, text as a string, other types as bytes', async () => {
    const client = api()
    expect((await client.get('/problem')).data).toEqual({ title: 'typed' })
    expect((await client.get('/text')).data).toBe('héllo')
    expect((await client.get('/bytes')).data).toEqual(new Uint8Array([0, 1, 2, 255]))
    expect((await client.get('/empty-json')).data).toBeUndefined()
  })

  it('refuses to replay a stream body that was already sent', async () => {
    const twice: Middleware = async (ctx, next) => {
      await next()
      await ctx.response?.body?.cancel()
      await next()
    }
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('once'))
        controller.close()
      },
    })
    const error = await api()
      .use(twice)
      .post('/echo', { body })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toMatch(/cannot be replayed/)
    expect(server.requests.at(-1)?.body).toBe('once')
  })

  it('validates with a per-call Standard Schema and types the data from it', async () => {
    const Echoed = z.object({ method: z.literal('GET'), url: z.string() })
    const { data } = await api().get('/echo', { schema: Echoed })
    const method: 'GET' = data.method
    expect(method).toBe('GET')
    const error = await api()
      .get('/echo', { schema: z.object({ method: z.literal('POST') }) })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParseError)
    expect((error as ParseError).message).toMatch(/method: /)
    expect((error as ParseError).issues?.length).toBe(1)
  })
})

describe('an injected fetch', () => {
  it('carries every request, and its failures become ply errors', async () => {
    const seen: Request[] = []
    const bodies: string[] = []
    const client = createClient({
      baseUrl: 'http://api.invalid/v1',
      headers: { 'x-app': 'ply' },
      fetch: async (request) => {
        seen.push(request)
        bodies.push(await request.text())
        if (request.url.endsWith('/down'))
          throw new TypeError('fetch failed', { cause: Object.assign(new Error('boom'), { code: 'ECONNRESET' }) })
        return Response.json({ via: 'injected' })
      },
    })
    const response = await client.post('/things', { json: { a: 1 } })
    expect(response.data).toEqual({ via: 'injected' })
    expect(seen[0]?.url).toBe('http://api.invalid/v1/things')
    expect(seen[0]?.method).toBe('POST')
    expect(seen[0]?.headers.get('x-app')).toBe('ply')
    expect(bodies[0]).toBe('{"a":1}')
    const error = await client.get('/down').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).code).toBe('ECONNRESET')
  })
})

describe('bad input is refused before any request', () => {
  it('a missing path parameter', async () => {
    const before = server.requests.length
    const client = api()
    await expect(client.get('/users/{name}', { params: {} as { name: string } })).rejects.toThrow(ConfigError)
    expect(server.requests.length).toBe(before)
  })

  it('CR or LF in a header name or value, without echoing the value', async () => {
    expect(() => createClient({ headers: { 'x-token': 'secret\r\nx-evil: 1' } })).toThrow(ConfigError)
    expect(() => createClient({ headers: { 'x-token': 'secret\r\nx-evil: 1' } })).not.toThrow(/secret/)
    expect(() => createClient({ headers: { 'bad\nname': 'v' } })).toThrow(/not a valid header name/)
    await expect(api().get('/echo', { headers: { 'x-a': 'trailing\n' } })).rejects.toThrow(ConfigError)
  })

  it('bad client options', () => {
    expect(() => createClient({ baseUrl: 'not a url' })).toThrow(ConfigError)
    expect(() => createClient({ baseUrl: 'ftp://example.com' })).toThrow(/http: or https:/)
    expect(() => createClient({ baseUrl: 'https://user:pw@example.com' })).toThrow(/credentials/)
    expect(() => createClient({ timeout: -1 })).toThrow(/timeout/)
    expect(() => createClient({ timeout: Number.NaN })).toThrow(/timeout/)
  })

  it('a body on GET, or two bodies at once', async () => {
    await expect(api().get('/echo', { json: {} })).rejects.toThrow(/cannot have a body/)
    await expect(api().post('/echo', { json: {}, body: 'x' })).rejects.toThrow(/only one of/)
  })

  it('new Client() with middlewares that are not an array of functions', async () => {
    expect(() => new Client({}, 'nope' as never)).toThrow(ConfigError)
    expect(() => new Client({}, null as never)).toThrow(/middlewares must be an array, got null/)
    expect(() => new Client({}, [async (_ctx, next) => next(), 42 as never])).toThrow(/middlewares\[1\]/)
    const seen: string[] = []
    const given: Middleware[] = [
      async (_ctx, next) => {
        seen.push('a')
        await next()
      },
    ]
    const client = new Client({ baseUrl: server.url }, given)
    given.push(async () => {
      throw new Error('added after construction')
    })
    await client.get('/echo')
    expect(seen).toEqual(['a'])
  })

  it('a relative path without a baseUrl', async () => {
    await expect(createClient().get('/users')).rejects.toThrow(/no baseUrl/)
  })
})

describe('extend', () => {
  it('makes a child with merged options and its own middleware list', async () => {
    const parent = createClient({ baseUrl: server.url, headers: { 'x-a': 'parent', 'x-b': 'parent' } })
    const parentLog: string[] = []
    parent.use(async (_ctx, next) => {
      parentLog.push('parent-mw')
      await next()
    })
    const child = parent.extend({ headers: { 'x-b': 'child' }, throwHttpErrors: false })
    const childLog: string[] = []
    child.use(async (_ctx, next) => {
      childLog.push('child-mw')
      await next()
    })
    const { data } = await child.get<Echo>('/echo')
    expect(data.headers['x-a']).toBe('parent')
    expect(data.headers['x-b']).toBe('child')
    expect(parentLog).toEqual(['parent-mw'])
    expect(childLog).toEqual(['child-mw'])
    expect((await child.get('/status/500')).status).toBe(500)
    // The parent keeps its own header value and its own middleware list.
    const fromParent = await parent.get<Echo>('/echo')
    expect(fromParent.data.headers['x-a']).toBe('parent')
    expect(fromParent.data.headers['x-b']).toBe('parent')
    expect(server.requests.at(-1)?.headers['x-b']).toBe('parent')
    expect(childLog).toEqual(['child-mw', 'child-mw'])
    expect(parentLog).toEqual(['parent-mw', 'parent-mw', 'parent-mw'])
    await expect(parent.get('/status/500')).rejects.toThrow(HttpError)
    expect(childLog).toEqual(['child-mw', 'child-mw'])
    expect(parentLog).toEqual(['parent-mw', 'parent-mw', 'parent-mw', 'parent-mw'])
  })

  it('inherits an option given as undefined', async () => {
    const parent = createClient({ baseUrl: server.url, timeout: 123 })
    const child = parent.extend({ baseUrl: undefined, timeout: undefined })
    const error = await child.get('/never').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).timeoutMs).toBe(123)
  })
})
