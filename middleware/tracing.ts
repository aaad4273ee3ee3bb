import type * as OTel from '@opentelemetry/api'
import { ConfigError, type Context, HttpError, type Middleware, PlyError } from '../src/index.ts'
import { optionNames, redactUrl, rejectUnknownOptions } from '../src/kit.ts'

/** Options of `tracing()`. */
export interface TracingOptions {
  /** The tracer's name, as OpenTelemetry's `trace.getTracer(name)` takes it. Default `'ply-http'`. */
  tracerName?: string
  /** Whether to put the span's context on the request (`traceparent`, …) through the global propagator. Default `true`. */
  propagate?: boolean
}

type Api = typeof OTel

const TRACING_OPTIONS = optionNames<TracingOptions>()(['tracerName', 'propagate'])

/**
 * Loads `@opentelemetry/api` once, the first time a `tracing()` middleware is made; `undefined`
 * when it is not installed (it is an optional peer dependency), and tracing is then off.
 */
let api: Promise<Api | undefined> | undefined

function loadApi(): Promise<Api | undefined> {
  api ??= import('@opentelemetry/api').then(
    (module) => module,
    () => undefined,
  )
  return api
}

/**
 * One OpenTelemetry client span per call, through the global tracer provider: named after the
 * method, with the HTTP semantic conventions' attributes (`http.request.method`, `url.full`
 * redacted, `server.address`, `server.port`, `http.response.status_code`, `error.type`,
 * `http.request.resend_count`) and ply's own (`ply.cache_status`, `ply.attempts`,
 * `ply.rate_limit.wait_ms`). The span is the active context while the stack runs, so spans
 * started inside are its children, and its context goes out on the request's headers.
 *
 * `@opentelemetry/api` is an optional peer dependency: without it, or without a registered
 * tracer provider, the middleware passes calls through and costs next to nothing. Add it first,
 * outermost, so that the span covers cache hits, retries and waits.
 */
export function tracing(options: TracingOptions = {}): Middleware {
  rejectUnknownOptions('tracing()', options, TRACING_OPTIONS)
  const { tracerName = 'ply-http', propagate = true } = options
  if (typeof tracerName !== 'string' || tracerName === '') {
    throw new ConfigError('tracing(): tracerName must be a non-empty string')
  }
  if (typeof propagate !== 'boolean') throw new ConfigError('tracing(): propagate must be true or false')
  const loading = loadApi()
  let otel: Api | undefined
  let loaded = false
  const middleware: Middleware = async (ctx, next) => {
    if (!loaded) {
      otel = await loading
      loaded = true
    }
    if (otel === undefined) return next()
    return traced(otel, tracerName, propagate, ctx, next)
  }
  // Outermost its span covers the whole call; inside retry() one span per attempt: both are
  // right, so its phase is checked against nothing.
  middleware.phase = 'observe'
  middleware.displayName = 'tracing()'
  return middleware
}

async function traced(
  otel: Api,
  tracerName: string,
  propagate: boolean,
  ctx: Context,
  next: () => Promise<void>,
): Promise<void> {
  const { method } = ctx.request
  const url = ctx.request.peekUrl()
  const span = otel.trace.getTracer(tracerName).startSpan(method, {
    kind: otel.SpanKind.CLIENT,
    attributes: {
      'http.request.method': method,
      'url.full': redactUrl(url),
      'server.address': url.hostname,
      'server.port': portOf(url),
    },
  })
  const active = otel.trace.setSpan(otel.context.active(), span)
  if (propagate) {
    const headers = ctx.request.headers
    otel.propagation.inject(active, headers, { set: (carrier, key, value) => carrier.set(key, value) })
  }
  try {
    await otel.context.with(active, next)
    end(otel, span, ctx, undefined)
  } catch (error) {
    end(otel, span, ctx, error)
    throw error
  }
}

function end(otel: Api, span: OTel.Span, ctx: Context, error: unknown): void {
  const status = ctx.response?.status
  if (status !== undefined) span.setAttribute('http.response.status_code', status)
  span.setAttribute('ply.cache_status', ctx.cacheStatus)
  span.setAttribute('ply.attempts', ctx.attempts)
  if (ctx.attempts > 1) span.setAttribute('http.request.resend_count', ctx.attempts - 1)
  const waited = ctx.facts.rateLimitWaitMs
  if (waited !== undefined) span.setAttribute('ply.rate_limit.wait_ms', Math.round(waited))
  const errorType = errorTypeOf(status, error)
  if (errorType !== undefined) {
    span.setAttribute('error.type', errorType)
    span.setStatus({ code: otel.SpanStatusCode.ERROR })
    if (error instanceof Error) span.recordException(error)
  }
  span.end()
}

/** The semantic conventions' `error.type`: the error's class, or the status code from 400 on. */
function errorTypeOf(status: number | undefined, error: unknown): string | undefined {
  if (error instanceof HttpError) return String(error.status)
  if (error instanceof PlyError) return error.name
  if (error !== undefined) return error instanceof Error ? error.name : '_OTHER'
  return status !== undefined && status >= 400 ? String(status) : undefined
}

function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port)
  return url.protocol === 'https:' ? 443 : 80
}
