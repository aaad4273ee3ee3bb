/** What a replayed response is made of, besides its body. */
export interface ReplayInit {
  /** The HTTP status; for 101, 103, 204, 205 and 304 the body is dropped, as `Response` requires. */
  readonly status: number
  /** The reason phrase; `''` when omitted. */
  readonly statusText?: string | undefined
  /** The response headers, copied into the response's own `Headers`. */
  readonly headers: HeadersInit
  /** The URL that answered; a constructed `Response` would otherwise have an empty `url`. */
  readonly url?: string | undefined
}

// Byte arrays handed out without a copy by `takeBytes`: whoever keeps them as data must copy.
const sharedBytes = new WeakSet<Uint8Array>()

/** Whether `bytes` is a replayed body shared with a cache entry, which must be copied before it is handed out. */
export function isSharedBytes(bytes: Uint8Array): boolean {
  return sharedBytes.has(bytes)
}

// Statuses whose response has no body; `new Response(bytes, …)` refuses one for them.
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/**
 * A `Response` over a body already in memory (a cache entry, a shared dedupe outcome). It
 * behaves as any `Response` (`body`, `text()`, `json()`, `clone()`, …), but the stream is only
 * built when someone asks for it: ply's own parsing takes the bytes directly (`replayedBytes`),
 * which makes a replay several times cheaper than `new Response(bytes)` and a stream read.
 */
export class ReplayedResponse extends Response {
  #bytes: Uint8Array<ArrayBuffer> | null
  #stream: ReadableStream<Uint8Array<ArrayBuffer>> | null | undefined
  #used = false
  readonly #url: string

  constructor(bytes: Uint8Array | null, init: ReplayInit) {
    super(null, { status: init.status, statusText: init.statusText ?? '', headers: init.headers })
    this.#bytes = bytes === null || NULL_BODY_STATUSES.has(init.status) ? null : (bytes as Uint8Array<ArrayBuffer>)
    this.#url = init.url ?? ''
  }

  override get url(): string {
    return this.#url
  }

  override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    if (this.#stream === undefined) {
      const bytes = this.#bytes
      this.#stream =
        bytes === null
          ? null
          : new ReadableStream({
              type: 'bytes',
              start: (controller) => {
                if (bytes.byteLength > 0) controller.enqueue(bytes.slice())
                controller.close()
              },
            })
    }
    return this.#stream
  }

  override get bodyUsed(): boolean {
    return this.#used || (this.#stream?.locked ?? false)
  }

  override async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer
  }

  override async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#take()
  }

  override async text(): Promise<string> {
    return new TextDecoder().decode(this.#take())
  }

  override async json(): Promise<unknown> {
    return JSON.parse(await this.text())
  }

  override async blob(): Promise<Blob> {
    const type = this.headers.get('content-type')
    return new Blob([this.#take()], type === null ? {} : { type })
  }

  override async formData(): Promise<FormData> {
    return new Response(this.#take(), { headers: this.headers }).formData()
  }

  override clone(): ReplayedResponse {
    if (this.bodyUsed) throw new TypeError('Response.clone: the body has already been consumed')
    return new ReplayedResponse(this.#bytes, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
      url: this.#url,
    })
  }

  /** The body's bytes, once, as reading a stream would give them; a second read throws as `Response`'s does. */
  #take(): Uint8Array<ArrayBuffer> {
    if (this.bodyUsed) throw new TypeError('Body is unusable: the body has already been read')
    this.#used = true
    // A copy: the bytes are shared with the cache entry (or the other callers), the caller may write to its own.
    return this.#bytes === null ? new Uint8Array(0) : this.#bytes.slice()
  }

  /**
   * For ply's parsing: the bytes without a copy (read-only: `isSharedBytes` tells), or
   * `undefined` once the body was used.
   */
  takeBytes(): Uint8Array | undefined {
    if (this.bodyUsed) return undefined
    this.#used = true
    const bytes = this.#bytes ?? new Uint8Array(0)
    sharedBytes.add(bytes)
    return bytes
  }
}
