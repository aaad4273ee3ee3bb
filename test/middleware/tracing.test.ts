import path from 'node:path'
import { propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { auth, cache, retry, tracing } from '../../middleware/index.ts'
import { ConfigError, createClient, TimeoutError } from '../../src/index.ts'
import { startScript } from '../support/child.ts'
import { releaseStalled, routes } from '../support/routes.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
let flakyHits = 0
const exporter = new InMemorySpanExporter()

beforeAll(async () => {
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  server = await startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/flaky') return sendJson(res, ++flakyHits < 2 ? 503 : 200, {})
    if (url.pathname === '/fresh') return sendJson(res, 200, {}, { 'cache-control': 'max-age=60' })
    return routes(req, res)
  })
})
afterEach(() => {
  exporter.reset()
  releaseStalled()
})
afterAll(async () => {
  trace.disable()
  propagation.disable()
  await server.close()
})

describe('tracing()', () => {
  it('makes one client span per call with the HTTP attributes, and sends its context', async () => {
    const client = createClient({ baseUrl: server.url })
      .use(tracing())
      .use(retry({ minDelay: 1, maxDelay: 2 }))
      .use(auth.apiKey({ query: 'appid' }, 'owm-secret-321'))
    const seen = server.requests.length
    await client.get('/flaky', { query: { appid: 'owm-secret-321' } })
    const [span] = exporter.getFinishedSpans()
    expect(exporter.getFinishedSpans()).toHaveLength(1)
    expect(span?.name).toBe('GET')
    expect(span?.kind).toBe(SpanKind.CLIENT)
    expect(span?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${server.url}/flaky?appid=[REDACTED]`,
      'server.address': '127.0.0.1',
      'server.port': server.port,
      'http.response.status_code': 200,
      'http.request.resend_count': 1,
      'ply.attempts': 2,
      'ply.cache_status': 'bypass',
    })
    expect(span?.status.code).toBe(SpanStatusCode.UNSET)
    // Both attempts carry the span's context, so the server's spans join the trace.
    const traceparents = server.requests.slice(seen).map((request) => request.headers.traceparent)
    const expected = `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`
    expect(traceparents).toEqual([expected, expected])
  })

  it('marks failures: the status from 400 on, the error class without a response', async () => {
    const client = createClient({ baseUrl: server.url, timeout: 50 }).use(tracing())
    await expect(client.get('/status/404')).rejects.toThrow()
    await expect(client.get('/never')).rejects.toBeInstanceOf(TimeoutError)
    const [notFound, timedOut] = exporter.getFinishedSpans()
    expect(notFound?.attributes['error.type']).toBe('404')
    expect(notFound?.status.code).toBe(SpanStatusCode.ERROR)
    expect(timedOut?.attributes['error.type']).toBe('TimeoutError')
    expect(timedOut?.attributes['http.response.status_code']).toBeUndefined()
    expect(timedOut?.events.map((event) => event.name)).toEqual(['exception'])
  })

  it('shows a cache hit, with no request sent', async () => {
    const client = createClient({ baseUrl: server.url }).use(tracing()).use(cache())
    await client.get('/fresh')
    await client.get('/fresh')
    expect(exporter.getFinishedSpans().map((span) => span.attributes['ply.cache_status'])).toEqual(['miss', 'hit'])
  })

  it('leaves the headers alone with propagate: false', async () => {
    const client = createClient({ baseUrl: server.url }).use(tracing({ propagate: false }))
    await client.get('/echo')
    expect(server.requests.at(-1)?.headers.traceparent).toBeUndefined()
    expect(exporter.getFinishedSpans()).toHaveLength(1)
  })

  it('refuses bad options', () => {
    expect(() => tracing({ tracerName: '' })).toThrow(ConfigError)
    expect(() => tracing({ propagate: 'yes' as never })).toThrow(/propagate/)
  })

  it('passes calls through when @opentelemetry/api is not installed', async () => {
    const script = path.resolve('test/middleware/tracing-without-api.ts')
    const hook = path.resolve('test/middleware/hide-opentelemetry.ts')
    const run = startScript('--import', [hook, script, server.url], 60_000)
    const exit = await run.exited
    expect(exit.stderr).toBe('')
    expect(exit.code).toBe(0)
    expect(exit.stdout.trim()).toBe('hidden 200 undefined')
  })
})
