import { ConfigError } from './errors.ts'

/**
 * Refuses an option `where` does not know, for callers in plain JavaScript (TypeScript already
 * refuses one in an object literal). The error names the option and the closest known name:
 * `github(): unknown option 'tokn' (did you mean 'token'?)`.
 *
 * Only own enumerable string keys are checked; an option set to `undefined` is still refused
 * when unknown (a misspelling is a misspelling, whatever its value). `options` that is not an
 * object is left to the caller's own checks.
 *
 * @param where - the factory or call, as the message should name it (`'github()'`)
 * @param known - every option `where` reads
 * @throws ConfigError on the first unknown option
 */
export function rejectUnknownOptions(where: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) return
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue
    const nearest = closestName(name, known)
    const hint = nearest === undefined ? '' : ` (did you mean '${nearest}'?)`
    throw new ConfigError(`${where}: unknown option '${printable(name)}'${hint}`)
  }
}

/**
 * The known name closest to `name`, if one is close enough to be a plausible slip: an edit
 * distance (with transpositions) of at most a third of the longer name, or the same name in
 * another case.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  const lower = name.toLowerCase()
  for (const candidate of known) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  if (best === undefined) return undefined
  const allowed = Math.max(1, Math.floor(Math.max(name.length, best.length) / 3))
  return bestDistance <= allowed ? best : undefined
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1
  const cols = b.length + 1
  const d: number[] = new Array(rows * cols).fill(0)
  for (let i = 0; i < rows; i++) d[i * cols] = i
  for (let j = 0; j < cols; j++) d[j] = j
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(
        (d[(i - 1) * cols + j] as number) + 1,
        (d[i * cols + j - 1] as number) + 1,
        (d[(i - 1) * cols + j - 1] as number) + cost,
      )
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, (d[(i - 2) * cols + j - 2] as number) + 1)
      }
      d[i * cols + j] = value
    }
  }
  return d[rows * cols - 1] as number
}

/** An option name as the message shows it: short, one line. */
function printable(name: string): string {
  const line = name.replace(/[\r\n\t]/g, ' ')
  return line.length > 40 ? `${line.slice(0, 40)}…` : line
}
