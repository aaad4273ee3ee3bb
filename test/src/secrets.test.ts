import { inspect } from 'node:util'
import { stdSerializers } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth } from '../../middleware/auth/index.ts'
import { retry } from '../../middleware/retry/index.ts'
import {
  ConfigError,
  createClient,
  type FetchFunction,
  HttpError,
  type Middleware,
  NetworkError,
  ParseError,
  PlyError,
} from '../../src/index.ts'
import { REDACTED } from '../../src/kit.ts'
import { startServer, type TestServer } from '../support/server.ts'

const TOKEN = 'tok-secrets-test-5e1f'

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const credential = req.headers.authorization ?? ''
    if (url.pathname === '/echo-bad-json') {
      // Not JSON (the token is not quoted): JSON.parse's message quotes the body, token included.
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(`{"t":${credential.slice(7)}}`)
      return
    }
    if (url.pathname === '/echo-status') {
      const status = Number(url.searchParams.get('status') ?? 401)
      res.writeHead(status, `Bad token ${credential}`, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: `rejected ${credential}` }))
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{}')
  })
})
afterAll(() => server.close())

/** Every way an error is shown: message, JSON, util.inspect, pino's error serializer. */
function views(error: unknown): string[] {
  const plyError = error as PlyError
  return [
    plyError.message,
    JSON.stringify(plyError),
    inspect(plyError, { depth: 20 }),
    JSON.stringify(stdSerializers.err(plyError)),
  ]
}

function expectNoneOf(error: unknown, secrets: RegExp): void {
  expect(error).toBeInstanceOf(PlyError)
  for (const view of views(error)) expect(view).not.toMatch(secrets)
}

describe('a call URL with user info', () => {
  it('is a ConfigError before anything is sent, and the credentials are not repeated', async () => {
    const client = createClient({ baseUrl: server.url })
    const before = server.requests.length
    const withUser = `http://user:PASSW0RD-xyz@127.0.0.1:${server.port}/x`
    const calls = [
      () => client.get(withUser),
      () => client.fetch(withUser),
      () => client.fetch(new URL(withUser)),
      () => client.fetch(`http://ghp_TOKENASUSER@127.0.0.1:${server.port}/x`),
      // Not a valid URL either: the message names it, without the user info.
      () => client.get('http://user:PASSW0RD-xyz@[bad/x'),
    ]
    for (const call of calls) {
      const error = await call().catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expectNoneOf(error, /PASSW0RD|ghp_TOKEN|user:/)
    }
    expect(server.requests.length).toBe(before)
  })

  it('set by a middleware, it is a ConfigError from the transport (not a retried NetworkError), redacted', async () => {
    let attempts = 0
    const addUser: Middleware = async (ctx, next) => {
      attempts += 1
      ctx.request.url.username = 'user'
      ctx.request.url.password = 'PASSW0RD-mw'
      await next()
    }
    const error = await createClient({ baseUrl: server.url })
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 1 }))
      .use(addUser)
      .get('/x')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toContain('cannot be sent')
    expectNoneOf(error, /PASSW0RD|user:/)
    expect(attempts).toBe(1)
  })
})

describe('transport failures are classified', () => {
  const counting = (fail: () => never) => {
    const fetch: FetchFunction & { calls: number } = Object.assign(
      async () => {
        fetch.calls += 1
        fail()
      },
      { calls: 0 },
    )
    return fetch
  }

  it('a TypeError without a system error behind it (a request fetch cannot build) is a ConfigError, not retried', async () => {
    const fetch = counting(() => {
      throw new TypeError('Headers.append: "a\u0001" is an invalid header value.')
    })
    const error = await createClient({ baseUrl: server.url, fetch })
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 1 }))
      .get('/x')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(fetch.calls).toBe(1)
  })

  it('a GET with a body, refused by fetch itself, is a ConfigError and reaches no server', async () => {
    const before = server.requests.length
    const error = await createClient({ baseUrl: server.url })
      .fetch('/x', { method: 'GET', body: 'payload' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(server.requests.length).toBe(before)
  })

  it('a failure with a system error behind it is a retried NetworkError that keeps the code, redacted', async () => {
    const fetch = counting(() => {
      const system = Object.assign(new Error('read ECONNRESET http://user:PASSW0RD-sys@10.0.0.1/x'), {
        code: 'ECONNRESET',
        errno: -104,
        syscall: 'read',
      })
      throw new TypeError('fetch failed', { cause: system })
    })
    const error = await createClient({ baseUrl: server.url, fetch })
      .use(retry({ retries: 1, minDelay: 1, maxDelay: 1 }))
      .get('/x')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect(fetch.calls).toBe(2)
    expect((error as NetworkError).code).toBe('ECONNRESET')
    // The cause chain is a redacted copy that keeps what a program branches on.
    const cause = (error as NetworkError).cause as Error
    expect(cause).toBeInstanceOf(TypeError)
    const system = cause.cause as NodeJS.ErrnoException
    expect(system).toMatchObject({ code: 'ECONNRESET', errno: -104, syscall: 'read' })
    expect(system.message).toContain('read ECONNRESET http://')
    expectNoneOf(error, /PASSW0RD|user:/)
  })
})

describe('causes that quote server or URL text are redacted copies', () => {
  it('a ParseError’s SyntaxError does not quote the body, nor any part of the secret in it', async () => {
    const error = await createClient({ baseUrl: server.url })
      .use(auth.bearer(TOKEN))
      .get('/echo-bad-json')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ParseError)
    const cause = (error as ParseError).cause as SyntaxError
    expect(cause).toBeInstanceOf(SyntaxError)
    expect(cause.message).toBe("Unexpected token 'o', the text is not valid JSON")
    // V8 cuts its quote of the body after a few characters, in the middle of the token: no
    // part of it may show.
    expectNoneOf(error, /tok-sec/)
  })

  it('an error with nothing to redact is kept as it is', async () => {
    const reason = new Error('user gave up')
    const error = await createClient({ baseUrl: server.url })
      .get('/x', { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e)
    expect((error as PlyError).cause).toBe(reason)
  })
})

describe('HttpError’s status text and body', () => {
  it('are masked when serialised, inspected or logged with pino, and kept raw (not enumerable) for the program', async () => {
    const error = await createClient({ baseUrl: server.url })
      .use(auth.bearer(TOKEN))
      .get('/echo-status')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    const http = error as HttpError<{ message: string }>
    expect(http.statusText).toBe(`Bad token Bearer ${TOKEN}`)
    expect(http.data.message).toBe(`rejected Bearer ${TOKEN}`)
    expect(Object.keys(http)).not.toContain('statusText')
    expect(Object.keys(http)).not.toContain('data')
    expectNoneOf(error, new RegExp(TOKEN))
    expect(JSON.parse(JSON.stringify(http))).toMatchObject({
      status: 401,
      statusText: `Bad token Bearer ${REDACTED}`,
      data: { message: `rejected Bearer ${REDACTED}` },
    })
    expect(inspect(http)).toContain(`statusText: 'Bad token Bearer ${REDACTED}'`)
  })

  it('stay masked in the attempt causes a retry keeps', async () => {
    const error = await createClient({ baseUrl: server.url })
      .use(retry({ retries: 2, minDelay: 1, maxDelay: 1 }))
      .use(auth.bearer(TOKEN))
      .get('/echo-status', { query: { status: 503 } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).attemptCauses).toHaveLength(2)
    expectNoneOf(error, new RegExp(TOKEN))
  })
})
