import type { OutStream } from './log.ts'

/**
 * The body as `ply` prints it. By default JSON data is pretty-printed with two-space
 * indentation, text is printed as is and bytes are written unchanged. With `raw`, JSON is
 * printed as received: `jsonText` when the caller has the exact text the server sent, else
 * compact. `jsonText` also marks `data` as JSON (a JSON string is then printed quoted).
 */
export function render(data: unknown, raw: boolean, jsonText?: string): string | Uint8Array {
  if (jsonText !== undefined) return raw ? jsonText : `${JSON.stringify(data, null, 2)}\n`
  if (data === undefined) return ''
  if (typeof data === 'string' || data instanceof Uint8Array) return data
  return raw ? JSON.stringify(data) : `${JSON.stringify(data, null, 2)}\n`
}

/** Writes a command's result on stdout. */
export class Output {
  readonly #stream: OutStream
  readonly #raw: boolean

  constructor(stream: OutStream, raw = false) {
    this.#stream = stream
    this.#raw = raw
  }

  /** Prints `data` (see `render`); on a terminal, ends with a newline so the prompt starts on its own line. */
  print(data: unknown, jsonText?: string): void {
    const body = render(data, this.#raw, jsonText)
    if (body.length === 0) return
    this.#stream.write(body)
    if (this.#stream.isTTY && !endsWithNewline(body)) this.#stream.write('\n')
  }
}

function endsWithNewline(body: string | Uint8Array): boolean {
  return typeof body === 'string' ? body.endsWith('\n') : body[body.length - 1] === 0x0a
}
