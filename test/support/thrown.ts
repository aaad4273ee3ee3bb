/** Runs `make` and returns what it threw at once, or `undefined` when it returned. */
export function thrown(make: () => unknown): unknown {
  try {
    make()
  } catch (error) {
    return error
  }
  return undefined
}
