/** What `fn` threw, or `undefined`; a returned promise is awaited. */
export async function failureOf(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  return undefined
}

/** Releases what a factory returned that holds something (a preset's connections). */
export async function release(made: unknown): Promise<void> {
  const closable = made as { close?: unknown } | null
  if (typeof closable === 'object' && closable !== null && typeof closable.close === 'function') {
    await (closable as { close(): Promise<void> }).close()
  }
}
