import { parseArgs } from 'node:util'
import { UsageError } from './errors.ts'

/** Every option `ply` knows, for `node:util`'s `parseArgs`; which command takes which is checked after. */
export const OPTIONS = {
  'base-url': { type: 'string' },
  token: { type: 'string' },
  'api-key': { type: 'string' },
  raw: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  'cache-dir': { type: 'string' },
  'no-cache': { type: 'boolean' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  all: { type: 'boolean' },
  limit: { type: 'string' },
  sort: { type: 'string' },
  order: { type: 'string' },
  forecast: { type: 'boolean' },
  units: { type: 'string' },
  lang: { type: 'string' },
  header: { type: 'string', multiple: true },
  bearer: { type: 'string' },
  json: { type: 'string' },
  method: { type: 'string' },
} as const

/** The name of an option, without its dashes. */
export type OptionName = keyof typeof OPTIONS

/** The options every command takes. */
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  'base-url',
  'token',
  'api-key',
  'raw',
  'verbose',
  'cache-dir',
  'no-cache',
  'timeout',
  'retries',
  'help',
  'version',
]

/** The parsed command line: positionals in order, and the options given. */
export interface ParsedLine {
  readonly positionals: readonly string[]
  readonly values: Values
}

/** The option values `parseArgs` gives for `OPTIONS`. */
export type Values = ReturnType<typeof parseLine>['values']

// A number that starts with a minus (`-33.9,151.2`, `--limit -1`) is a value, not an option.
// parseArgs would read it as short options, so such arguments are swapped out for a token
// no command line can contain (a NUL) and swapped back after parsing.
const NEGATIVE = /^-\d/
const STANDIN = '\0ply-arg-'

/** Parses `argv` with `parseArgs` (strict); an unknown or malformed option is a `UsageError`. */
export function parseCommandLine(argv: readonly string[]): ParsedLine {
  const end = argv.indexOf('--')
  const kept: string[] = []
  const args = argv.map((arg, index) => {
    if ((end !== -1 && index > end) || !NEGATIVE.test(arg)) return arg
    kept.push(arg)
    return `${STANDIN}${kept.length - 1}`
  })
  const restore = (value: string): string =>
    value.startsWith(STANDIN) ? (kept[Number(value.slice(STANDIN.length))] ?? value) : value
  const { positionals, values } = parseLine(args)
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === 'string') Object.assign(values, { [name]: restore(value) })
    else if (Array.isArray(value)) Object.assign(values, { [name]: value.map(restore) })
  }
  return { positionals: positionals.map(restore), values }
}

function parseLine(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true })
  } catch (error) {
    throw new UsageError(describeParseError(error))
  }
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  // The name only: an unknown `--tokn=ghp_…` must not echo its value.
  const option = /'(-{1,2}[^'=\s]*)/.exec(message)?.[1]
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option '${option ?? '?'}'`
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return /does not take an argument/.test(message)
      ? `option '${option ?? '?'}' does not take a value`
      : `option '${option ?? '?'}' needs a value`
  }
  return 'the command line could not be read'
}

/** Throws a `UsageError` when an option outside `allowed` (and the global ones) was given to `command`. */
export function onlyOptions(values: Values, allowed: readonly OptionName[], command: string): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || GLOBAL_OPTIONS.includes(name as OptionName)) continue
    if (!allowed.includes(name as OptionName)) throw new UsageError(`'${command}' does not take --${name}`)
  }
}

/** Throws a `UsageError` unless `positionals` has exactly the `names` given (in order). */
export function exactly(positionals: readonly string[], names: readonly string[], command: string): string[] {
  if (positionals.length < names.length) {
    throw new UsageError(
      `'${command}' needs ${names
        .slice(positionals.length)
        .map((name) => `<${name}>`)
        .join(' ')}`,
    )
  }
  if (positionals.length > names.length) {
    throw new UsageError(`'${command}' got an unexpected argument '${positionals[names.length] ?? ''}'`)
  }
  return [...positionals]
}

/** A string option checked against its allowed values. */
export function oneOf<const T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  option: string,
): T | undefined {
  if (value === undefined) return undefined
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`--${option} must be one of ${allowed.join(', ')}; got '${value}'`)
}

/** A whole number option of at least 1. */
export function positiveInteger(value: string | undefined, option: string): number | undefined {
  return wholeNumber(value, option, 1)
}

/**
 * A whole number option from `min` to `max` (digits only: no sign, fraction or exponent);
 * `unit` names what it counts in the error (`--timeout must be a whole number of milliseconds …`).
 */
export function wholeNumber(
  value: string | undefined,
  option: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
  unit?: string,
): number | undefined {
  if (value === undefined) return undefined
  const number = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`
    throw new UsageError(`--${option} must be a whole number${unit ? ` of ${unit}` : ''} ${range}; got '${value}'`)
  }
  return number
}
