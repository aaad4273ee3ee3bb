import type { RequestSummary } from '../../src/index.ts'
import { type BoundedBody, ReplayedResponse, readBytes, readBytesUpTo } from '../../src/kit.ts'

/** How a body is read for the cache. */
export interface BoundedReadOptions {
  /** Bounds the read, in milliseconds; `false` for no bound. */
  readonly timeout: number | false
  readonly signal: AbortSignal | undefined
  /** The request, for error messages; a function, so that the happy path never builds it. */
  readonly request: () => RequestSummary
}

/**
 * Reads a response's body for the cache, but no more than `limit` bytes and the chunk that
 * crosses it (`readBytesUpTo`): a body larger than the cache would store is handed on as a
 * stream. A body already in memory (a `ReplayedResponse`) is taken as it is, whatever its size.
 */
export async function readAtMost(response: Response, limit: number, options: BoundedReadOptions): Promise<BoundedBody> {
  if (response instanceof ReplayedResponse) return { bytes: await readBytes(response, options) }
  return readBytesUpTo(response, limit, options)
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
