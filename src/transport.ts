import ky, { isKyError, isNetworkError, isTimeoutError, type Options as KyOptions } from 'ky'
import type { Context } from './context.ts'
import { AbortError, ConfigError, NetworkError, PlyError, TimeoutError } from './errors.ts'
import { summarize } from './redact.ts'

/** The innermost step of the onion: sends `ctx.request` and sets `ctx.response`. */
export type Transport = (ctx: Context) => Promise<void>

/** The signature of `fetch`, which `createClient({ fetch })` hands to ky. */
export type FetchFunction = (input: Request, init?: RequestInit) => Promise<Response>

/**
 * The ky transport: one attempt per call, ky's own retry off (ply's `retry()` owns retries),
 * HTTP error statuses returned as responses, the per-attempt timeout and the caller's
 * `AbortSignal` applied. Failures are thrown as `NetworkError`, `TimeoutError` or `AbortError`.
 */
export function kyTransport(options: { fetch?: FetchFunction | undefined } = {}): Transport {
  // Plain options on the top-level `ky` merge faster per call than an instance's defaults.
  const base = {
    retry: 0,
    throwHttpErrors: false,
    ...(options.fetch ? { fetch: options.fetch as typeof fetch } : {}),
  } as const
  return async (ctx) => {
    const request = ctx.request
    const { signal, body } = request
    if (signal?.aborted) throw abortError(ctx, signal)
    if (body instanceof ReadableStream) {
      // A stream can be sent once; without this, a replay fails deep inside fetch with a vague TypeError.
      if (sentStreams.has(body)) {
        throw new ConfigError('a ReadableStream body was already sent and cannot be replayed; send bytes or a string')
      }
      sentStreams.add(body)
    }
    ctx.attempts += 1
    try {
      // peek: the transport only reads, so no attempt needs its own copy of URL and headers.
      // Absent options are left out rather than passed as null: ky merges every key it is given.
      const init: KyOptions = {
        ...base,
        method: request.method,
        headers: request.peekHeaders(),
        timeout: request.timeout,
      }
      if (body !== undefined) init.body = body
      if (signal !== undefined) init.signal = signal
      ctx.response = await ky(request.peekUrl().href, init)
    } catch (error) {
      throw transportError(error, ctx)
    }
  }
}

const sentStreams = new WeakSet<ReadableStream>()

function abortError(ctx: Context, signal: AbortSignal): AbortError {
  const request = summarize(ctx.request.method, ctx.request.peekUrl())
  return new AbortError(`the request was aborted (${request.method} ${request.url})`, { cause: signal.reason, request })
}

/** The first `code` (ECONNREFUSED, ECONNRESET, …) along an error's cause chain. */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 8; depth++) {
    const { code } = current as { code?: unknown }
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** The innermost error's message, which names what actually went wrong. */
function rootMessage(error: unknown): string {
  let current = error
  for (let depth = 0; depth < 8; depth++) {
    const cause = (current as { cause?: unknown } | undefined)?.cause
    if (!(cause instanceof Error)) break
    current = cause
  }
  return current instanceof Error ? current.message : String(current)
}

function transportError(error: unknown, ctx: Context): PlyError {
  if (error instanceof PlyError) return error
  const { signal } = ctx.request
  if (signal?.aborted) return abortError(ctx, signal)
  const request = summarize(ctx.request.method, ctx.request.peekUrl())
  if (isTimeoutError(error)) {
    const timeoutMs = ctx.request.timeout === false ? 0 : ctx.request.timeout
    return new TimeoutError(`no response within ${timeoutMs} ms (${request.method} ${request.url})`, {
      request,
      timeoutMs,
    })
  }
  // A ky error holds the live Request (headers included), so only its cause is kept.
  const cause = isKyError(error) || isNetworkError(error) ? (error as Error).cause : error
  const code = systemCode(cause)
  const reason = `${rootMessage(cause)}${code && !rootMessage(cause).includes(code) ? ` (${code})` : ''}`
  return new NetworkError(`${request.method} ${request.url} failed: ${reason}`, { cause, request, code })
}
