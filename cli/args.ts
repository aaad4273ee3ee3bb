import { type Command, parseCommand } from './commands/index.ts'
import { UsageError } from './errors.ts'
import type { GlobalOptions } from './global-options.ts'
import { parseCommandLine, type Values, wholeNumber } from './options.ts'

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
