import { AbortError, NetworkError, type PlyError, type RequestSummary, TimeoutError } from './errors.ts'
import { describeFailure, systemCode } from './failure.ts'
import { ReplayedResponse } from './replay.ts'

/** How a body is read. */
export interface BodyReadOptions {
  /** Bounds the body read, in milliseconds; `false` for no bound. */
  timeout?: number | false
  /** Aborts the read. */
  signal?: AbortSignal | undefined
  /**
   * The request, which the errors of the read name in their message (method and redacted
   * URL); a function, so that the happy path never builds it.
   */
  request?: (() => RequestSummary) | undefined
  /** The request's method: `parseBody` reads no body for HEAD (`readBytes` reads what there is). */
  method?: string
}

/**
 * An error message that names the call it is about, as the transport's messages do:
 * `GET https://api.example.com/users/x failed: the response body is not valid JSON …`.
 * Without a request, the text alone. The URL is followed by a space: redaction reads a URL
 * in a message up to the next space, and a `:` right after a masked value would be taken
 * for part of it.
 */
export function aboutCall(request: RequestSummary | undefined, text: string): string {
  return request === undefined ? text : `${request.method} ${request.url} failed: ${text}`
}

/**
 * A body read up to a limit: all of it (`bytes`), or, when it turned out larger, `rest`, a
 * stream of the bytes read so far followed by the rest of the original body, unread.
 */
export type BoundedBody =
  | { readonly bytes: Uint8Array; readonly rest?: undefined }
  | { readonly bytes?: undefined; readonly rest: ReadableStream<Uint8Array> }

/**
 * Reads the whole body, bounded by `options.timeout`. A reader is used rather than
 * `response.arrayBuffer()` so that a stalled body can be cancelled, which releases the socket.
 * A read that fails is a `NetworkError`, `TimeoutError` or `AbortError` naming the call.
 */
export function readBytes(response: Response, options: BodyReadOptions = {}): Promise<Uint8Array> {
  return readBytesUpTo(response, Number.POSITIVE_INFINITY, options).then(wholeBody)
}

// With no limit the body is always read whole.
const wholeBody = (read: BoundedBody): Uint8Array => read.bytes as Uint8Array

/**
 * Reads a body, but no more than `limit` bytes and the chunk that crosses it, bounded by
 * `options.timeout`: a body larger than that is handed on as `rest`, a stream, instead of
 * being held whole in memory before anyone gets a byte (the cache's `maxBodyBytes`).
 */
export async function readBytesUpTo(
  response: Response,
  limit: number,
  options: BodyReadOptions = {},
): Promise<BoundedBody> {
  if (response instanceof ReplayedResponse) {
    const bytes = response.takeBytes()
    if (bytes !== undefined) return { bytes }
  }
  const body = response.body
  if (body === null) return { bytes: new Uint8Array(0) }
  const reader = body.getReader()
  let timedOut = false
  const timeout = options.timeout
  const timer =
    typeof timeout === 'number'
      ? setTimeout(() => {
          timedOut = true
          // Cancelling resolves the pending read with `done`, and closes the connection.
          reader.cancel().catch(() => undefined)
        }, timeout)
      : undefined
  const chunks: Uint8Array[] = []
  let length = 0
  let over = false
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      length += value.byteLength
      if (length > limit) {
        over = true
        break
      }
    }
  } catch (cause) {
    reader.releaseLock()
    throw readError(cause, options)
  } finally {
    clearTimeout(timer)
  }
  if (timedOut) {
    reader.releaseLock()
    const request = options.request?.()
    throw new TimeoutError(aboutCall(request, `reading the response body took longer than ${String(timeout)} ms`), {
      request,
      timeoutMs: timeout as number,
    })
  }
  if (over) return { rest: continuation(chunks, reader) }
  reader.releaseLock()
  return { bytes: concat(chunks, length) }
}

/** The chunks already read, then the rest of `reader`, pulled only as the consumer reads. */
function continuation(
  chunks: Uint8Array[],
  reader: ReadableStreamDefaultReader<Uint8Array>,
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const held = chunks.shift()
        if (held !== undefined) return controller.enqueue(held)
        // A failure of the connection reaches the consumer, whose own read reports it.
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      },
      cancel(reason) {
        chunks.length = 0
        return reader.cancel(reason)
      },
    },
    // Nothing is read ahead of the consumer: the bytes held stay those read so far.
    { highWaterMark: 0 },
  )
}

function concat(chunks: readonly Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array
  const bytes = new Uint8Array(length)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

function readError(cause: unknown, options: BodyReadOptions): PlyError {
  const request = options.request?.()
  if (options.signal?.aborted) {
    return new AbortError(aboutCall(request, 'the request was aborted while its body was read'), {
      cause: options.signal.reason,
      request,
    })
  }
  // The connection broke while the body was arriving (reset, truncated chunked encoding, …).
  // fetch says only "terminated": the reason and the system code are further down its causes.
  const reason = describeFailure(cause)
  return new NetworkError(aboutCall(request, `the connection broke while the response body was read: ${reason}`), {
    cause,
    request,
    code: systemCode(cause),
  })
}
