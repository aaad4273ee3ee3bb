import {
  AbortError,
  NetworkError,
  type PlyError,
  ReplayedResponse,
  type RequestSummary,
  readBytes,
  TimeoutError,
} from '../../src/index.ts'

/** How a body is read for the cache. */
export interface BoundedReadOptions {
  /** Bounds the read, in milliseconds; `false` for no bound. */
  readonly timeout: number | false
  readonly signal: AbortSignal | undefined
  /** The request, for error messages; a function, so that the happy path never builds it. */
  readonly request: () => RequestSummary
}

/**
 * A body read up to a limit: all of it (`bytes`), or, when it turned out larger, `rest`, a
 * stream of the bytes read so far followed by the rest of the original body, unread.
 */
export type BoundedBody =
  | { readonly bytes: Uint8Array; readonly rest?: undefined }
  | { readonly bytes?: undefined; readonly rest: ReadableStream<Uint8Array> }

/**
 * Reads a response's body, but no more than `limit` bytes and the chunk that crosses it: a
 * body larger than the cache would store is handed on as a stream instead of being held whole
 * in memory before the caller gets a byte. The loop is `readBytes`' own, so a body that fits
 * costs what it did. A body already in memory (a `ReplayedResponse`) is taken as it is.
 */
export async function readAtMost(response: Response, limit: number, options: BoundedReadOptions): Promise<BoundedBody> {
  if (response instanceof ReplayedResponse) return { bytes: await readBytes(response, options) }
  const body = response.body
  if (body === null) return { bytes: new Uint8Array(0) }
  const reader = body.getReader()
  let timedOut = false
  const { timeout } = options
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
    throw new TimeoutError(`reading the response body took longer than ${String(timeout)} ms`, {
      request: options.request(),
      timeoutMs: timeout as number,
    })
  }
  if (over) return { rest: continuation(chunks, reader) }
  reader.releaseLock()
  return { bytes: concat(chunks, length) }
}

/**
 * A `Response` over a body stream that reports `url` (a constructed `Response` has an empty
 * one), for a body the cache passes on without storing it.
 */
export class StreamedResponse extends Response {
  readonly #url: string

  constructor(body: ReadableStream<Uint8Array>, init: ResponseInit, url: string) {
    super(body as ReadableStream<Uint8Array<ArrayBuffer>>, init)
    this.#url = url
  }

  override get url(): string {
    return this.#url
  }
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

/** The error of a read that failed, as `readBytes` reports it. */
function readError(cause: unknown, options: BoundedReadOptions): PlyError {
  if (options.signal?.aborted) {
    return new AbortError('the request was aborted while its body was read', {
      cause: options.signal.reason,
      request: options.request(),
    })
  }
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new NetworkError(`the connection failed while the response body was read: ${reason}`, {
    cause,
    request: options.request(),
  })
}
