/** The first `code` (ECONNREFUSED, ECONNRESET, …) along an error's cause chain. */
export function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 8; depth++) {
    const { code } = current as { code?: unknown }
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * What went wrong, in words: the innermost message along an error's cause chain (fetch's
 * own is only "fetch failed"), with the system code when the message does not name it.
 */
export function describeFailure(error: unknown): string {
  let current = error
  for (let depth = 0; depth < 8; depth++) {
    const cause = (current as { cause?: unknown } | undefined)?.cause
    if (!(cause instanceof Error)) break
    current = cause
  }
  const message = current instanceof Error ? current.message : String(current)
  const code = systemCode(error)
  return code !== undefined && !message.includes(code) ? `${message} (${code})` : message
}
