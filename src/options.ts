import { ConfigError } from './errors.ts'

/** The option names of an options type; for a union of types, those of every member. */
export type OptionName<T> = T extends unknown ? Extract<keyof T, string> : never

/** `unknown` when `Names` holds every option of `T`, else a property naming the missing ones (a type error). */
type NamesEvery<T, Names extends readonly string[]> = [Exclude<OptionName<T>, Names[number]>] extends [never]
  ? unknown
  : { readonly missingOptions: Exclude<OptionName<T>, Names[number]> }

/**
 * The option names of `T`, written out for checks at run time and checked against `T` at
 * compile time both ways: a name that is not an option of `T` fails, and so does an option of
 * `T` left out (the error names it as `missingOptions`). So the list cannot drift from the type.
 *
 * @example
 * const RETRY_OPTIONS = optionNames<RetryOptions>()(['retries', 'methods', … every option])
 * rejectUnknownOptions('retry()', options, RETRY_OPTIONS)
 */
export function optionNames<T>(): <const Names extends readonly OptionName<T>[]>(
  names: Names & NamesEvery<T, Names>,
) => readonly OptionName<T>[] {
  return (names) => Object.freeze([...names])
}

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
 * @param known - every option `where` reads (see `optionNames`)
 * @throws ConfigError on the first unknown option
 */
export function rejectUnknownOptions(where: string, options: unknown, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) return
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) throw unknownOption(where, name, known)
  }
}

/**
 * Refuses a per-call option that no one on the client reads: one loop over the options' own
 * keys with a `Set` lookup, allocating nothing while every key is known (it runs on every
 * call). `also` holds names the caller reads itself (a preset's own per-call options). The
 * error says how a middleware declares an option it reads (`middleware.callOptions`).
 *
 * @param where - the call, as the message should name it (`'get()'`)
 * @param options - the call's options; anything but an object (or `undefined`) is refused
 * @throws ConfigError on the first unknown option, or when `options` is not an object
 */
export function rejectUnknownCallOptions(
  where: string,
  options: unknown,
  known: ReadonlySet<string>,
  also?: ReadonlySet<string>,
): void {
  if (options === undefined) return
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError(`${where}: options must be an object, got ${options === null ? 'null' : typeof options}`)
  }
  // `for…in` rather than `Object.keys`: no array per call. Inherited keys are skipped below.
  for (const name in options) {
    if (known.has(name) || also?.has(name) || !Object.hasOwn(options, name)) continue
    const candidates = also === undefined ? [...known] : [...known, ...also]
    const error = unknownOption(where, name, candidates)
    throw new ConfigError(
      `${error.message}; if a middleware reads it, declare it there: middleware.callOptions = ['${printable(name)}']`,
    )
  }
}

/** The error for an unknown option, with the closest known name when one is close. */
function unknownOption(where: string, name: string, known: readonly string[]): ConfigError {
  const nearest = closestName(name, known)
  const hint = nearest === undefined ? '' : ` (did you mean '${nearest}'?)`
  return new ConfigError(`${where}: unknown option '${printable(name)}'${hint}`)
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
