import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as v from 'zod'
import { parse } from '../../middleware/index.ts'
import { createClient, HttpError, type Middleware, ParseError } from '../../src/index.ts'
import { releaseStalled, routes } from '../support/routes.ts'
import { startServer, type TestServer } from '../support/server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/bigint') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"id": 12345678901234567890}')
      return
    }
    if (req.url === '/seq') {
      res.writeHead(200, { 'content-type': 'application/json-seq' })
      res.end('\u001e{"a":1}\n\u001e{"a":2}\n')
      return
    }
    if (req.url === '/binary-error') {
      res.writeHead(500, { 'content-type': 'image/png' })
      res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]))
      return
    }
    if (req.url === '/not-json-error') {
      res.writeHead(502, { 'content-type': 'application/json' })
      res.end('<html>bad gateway</html>')
      return
    }
    return routes(req, res)
  })
})
afterAll(async () => {
  releaseStalled()
  await server.close()
})

const api = () => createClient({ baseUrl: server.url }).use(parse())

describe('parse()', () => {
  it('parses by content type: JSON, +json, text, bytes', async () => {
    const client = api()
    expect((await client.get('/echo')).data).toMatchObject({ method: 'GET' })
    expect((await client.get('/problem')).data).toEqual({ title: 'typed' })
    expect((await client.get('/text')).data).toBe('héllo')
    expect((await client.get('/bytes')).data).toEqual(new Uint8Array([0, 1, 2, 255]))
  })

  it('hands a JSON text sequence over as text', async () => {
    expect((await api().get('/seq')).data).toBe('\u001e{"a":1}\n\u001e{"a":2}\n')
  })

  it('keeps a binary error body as bytes', async () => {
    const error = await api()
      .get('/binary-error')
      .catch((e: unknown) => e)
    expect((error as HttpError).data).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))
  })

  it('gives undefined for empty bodies, 204 and 205', async () => {
    const client = api()
    expect((await client.get('/empty-json')).data).toBeUndefined()
    expect((await client.get('/status/204')).data).toBeUndefined()
    expect((await client.get('/status/205')).data).toBeUndefined()
  })

  it('puts the data where outer middlewares see it', async () => {
    let seen: unknown
    const outer: Middleware = async (ctx, next) => {
      await next()
      seen = ctx.parsed?.data
    }
    await createClient({ baseUrl: server.url }).use(outer).use(parse()).get('/problem')
    expect(seen).toEqual({ title: 'typed' })
  })

  it('throws ParseError inside the stack, naming content type and position', async () => {
    let caught: unknown
    const outer: Middleware = async (_ctx, next) => {
      try {
        await next()
      } catch (error) {
        caught = error
        throw error
      }
    }
    await expect(createClient({ baseUrl: server.url }).use(outer).use(parse()).get('/bad-json')).rejects.toThrow(
      ParseError,
    )
    expect(caught).toBeInstanceOf(ParseError)
    expect((caught as ParseError).contentType).toBe('application/json; charset=utf-8')
    expect((caught as ParseError).position).toBe(10)
  })

  it('keeps an error body that is not the JSON it claims to be as text', async () => {
    const error = await api()
      .get('/not-json-error')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).data).toBe('<html>bad gateway</html>')
  })

  it('validates with a Standard Schema given per call', async () => {
    const schema = v.object({ title: v.string() })
    const { data } = await api().get('/problem', { schema })
    expect(data.title).toBe('typed')
    await expect(api().get('/problem', { schema: v.object({ title: v.number() }) })).rejects.toThrow(
      /does not match the schema: title: /,
    )
  })

  it('takes a custom JSON parser', async () => {
    // Keeps integers beyond 2^53 exact by reading them as BigInt from the source text.
    const parseJson = (text: string) =>
      JSON.parse(text.replace(/:\s*(\d{16,})/g, ':"$1n"'), (_key, value: unknown) =>
        typeof value === 'string' && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
      )
    const client = createClient({ baseUrl: server.url }).use(parse({ parseJson }))
    expect((await client.get('/bigint')).data).toEqual({ id: 12345678901234567890n })
  })
})
