import { redactText } from '../middleware/kit.ts'

/** A stream `ply` writes to: stdout or stderr. */
export interface OutStream {
  write(chunk: string | Uint8Array): boolean
  readonly isTTY?: boolean | undefined
}

/**
 * What `ply` says on stderr: errors, notes, `--verbose` lines and the pagination progress.
 * Every line goes through the redaction of registered secrets. On a terminal the progress
 * line is rewritten in place (`\r`) and other lines are printed above it; elsewhere each
 * progress update is a line of its own.
 */
export class Log {
  readonly #stream: OutStream
  readonly #verbose: boolean
  #progress: string | undefined

  constructor(stream: OutStream, verbose = false) {
    this.#stream = stream
    this.#verbose = verbose
  }

  /** Prints `ply: <message>`. */
  line(message: string): void {
    const text = `ply: ${redactText(message)}`
    if (this.#progress !== undefined && this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[K${text}\n${this.#progress}`)
    } else {
      this.#stream.write(`${text}\n`)
    }
  }

  /** Whether `--verbose` was given. */
  get verbose(): boolean {
    return this.#verbose
  }

  /** Prints `ply: <message>` only with `--verbose`. */
  detail(message: string): void {
    if (this.#verbose) this.line(message)
  }

  /** Shows a progress line: rewritten in place on a terminal, one line per call otherwise. */
  progress(message: string): void {
    const text = redactText(message)
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[K${text}`)
      this.#progress = text
    } else {
      this.#stream.write(`${text}\n`)
      this.#progress = undefined
    }
  }

  /** Ends a progress line on a terminal with its newline; nothing otherwise. */
  endProgress(): void {
    if (this.#progress === undefined) return
    this.#stream.write('\n')
    this.#progress = undefined
  }
}
