import { type Command, parseCommand } from './commands/index.ts'
import { UsageError } from './errors.ts'
import { parseCommandLine, type Values, wholeNumber } from './options.ts'

/** The options every command takes. */
export interface GlobalOptions {
  /** `--base-url`: the API's root instead of the real one (a replica, a proxy, GitHub Enterprise). */
  readonly baseUrl: string | undefined
  /** `--token`: the GitHub token (else `GITHUB_TOKEN`). */
  readonly token: string | undefined
  /** `--api-key`: the OpenWeatherMap key (else `OPENWEATHER_API_KEY`). */
  readonly apiKey: string | undefined
  /** `--raw`: print the body as received instead of pretty JSON. */
  readonly raw: boolean
  /** `--verbose` / `-v`: one line per response on stderr. */
  readonly verbose: boolean
  /** `--cache-dir`: where the persistent cache lives (else `PLY_CACHE_DIR`, else the user's cache directory). */
  readonly cacheDir: string | undefined
  /** `--no-cache`: no persistent cache. */
  readonly noCache: boolean
  /** `--timeout`: how long each attempt waits for an answer, in ms (else the library's 10 s). */
  readonly timeoutMs: number | undefined
  /** `--retries`: attempts after the first for a call that failed in a retryable way (else 2). */
  readonly retries: number | undefined
}

/** `setTimeout`'s limit: a longer timeout would fire at once. */
const MAX_TIMEOUT_MS = 2_147_483_647
/** More retries than this is a typo rather than a plan. */
const MAX_RETRIES = 100

/** What the command line asks for. */
export type Invocation =
  | { readonly kind: 'help' }
  | { readonly kind: 'version' }
  | { readonly kind: 'run'; readonly global: GlobalOptions; readonly command: Command }

/**
 * Reads `ply`'s command line. `--help` and `--version` win over everything else; otherwise
 * the command and its options are checked completely (arity, which options it takes, their
 * values) before anything runs. Mistakes are `UsageError`s.
 */
export function parseInvocation(argv: readonly string[]): Invocation {
  const { positionals, values } = parseCommandLine(argv)
  if (values.help || positionals[0] === 'help') return { kind: 'help' }
  if (values.version) return { kind: 'version' }
  const global = globalOptionsOf(values)
  return { kind: 'run', global, command: parseCommand(positionals, values) }
}

function globalOptionsOf(values: Values): GlobalOptions {
  const baseUrl = values['base-url']
  if (baseUrl !== undefined) checkBaseUrl(baseUrl)
  return {
    baseUrl,
    token: nonEmpty(values.token, 'token'),
    apiKey: nonEmpty(values['api-key'], 'api-key'),
    raw: values.raw ?? false,
    verbose: values.verbose ?? false,
    cacheDir: nonEmpty(values['cache-dir'], 'cache-dir'),
    noCache: values['no-cache'] ?? false,
    timeoutMs: wholeNumber(values.timeout, 'timeout', 1, MAX_TIMEOUT_MS, 'milliseconds'),
    retries: wholeNumber(values.retries, 'retries', 0, MAX_RETRIES),
  }
}

function checkBaseUrl(text: string): void {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new UsageError('--base-url must be an absolute URL such as http://127.0.0.1:8080')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--base-url must be http: or https:')
  if (url.username || url.password) throw new UsageError('--base-url must not hold credentials; use --token')
}

function nonEmpty(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined
  if (value.trim() === '') throw new UsageError(`--${option} is empty`)
  return value
}
