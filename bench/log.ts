/** Writes a progress line to stderr, so that stdout carries the tables alone. */
export function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`)
}
