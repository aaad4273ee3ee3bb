import { UsageError } from '../errors.ts'
import { exactly, onlyOptions, type Values } from '../options.ts'

/** `ply get <url> …`, checked. */
export interface GetCommand {
  readonly name: 'get'
  /** An absolute http(s) URL, or a path when `--base-url` is given. */
  readonly url: string
  readonly method: string
  readonly headers: readonly (readonly [name: string, value: string])[]
  readonly bearer: string | undefined
  /** The parsed `--json` body, when given. */
  readonly json: { readonly value: unknown } | undefined
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/

/** Reads `ply get <url> [--header 'Name: value']… [--bearer T] [--json '…'] [--method M]`. */
export function parseGet(positionals: readonly string[], values: Values, baseUrl: string | undefined): GetCommand {
  onlyOptions(values, ['header', 'bearer', 'json', 'method'], 'ply get')
  const [url = ''] = exactly(positionals, ['url'], 'ply get')
  const json = values.json === undefined ? undefined : { value: jsonOf(values.json) }
  const method = values.method?.toUpperCase() ?? (json ? 'POST' : 'GET')
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method must be an HTTP method such as GET or POST`)
  const bearer = values.bearer
  if (bearer !== undefined && (bearer.trim() === '' || /[\r\n]/.test(bearer))) {
    throw new UsageError('--bearer must be a non-empty token on one line')
  }
  return { name: 'get', url: urlOf(url, baseUrl), method, headers: (values.header ?? []).map(headerOf), bearer, json }
}

function urlOf(text: string, baseUrl: string | undefined): string {
  // Braces are path templates to the client; on the command line they are just characters.
  const url = text.replaceAll('{', '%7B').replaceAll('}', '%7D')
  if (!/^[a-z][a-z\d+.-]*:/i.test(url)) {
    if (baseUrl === undefined)
      throw new UsageError(`'${url.split('?')[0]}' is not an absolute URL (or pass --base-url)`)
    return url
  }
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UsageError('the URL is not valid')
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError('the URL must be http: or https:')
  if (parsed.username || parsed.password) {
    throw new UsageError("the URL must not hold credentials; use --bearer or --header 'Authorization: …'")
  }
  return url
}

function headerOf(text: string): [string, string] {
  const colon = text.indexOf(':')
  const name = colon === -1 ? '' : text.slice(0, colon).trim()
  const value = colon === -1 ? '' : text.slice(colon + 1).trim()
  // The value is not echoed: it may be a credential.
  if (!TOKEN.test(name)) throw new UsageError(`--header must be 'Name: value' (got a header without a valid name)`)
  if (/[\r\n\0]/.test(value)) throw new UsageError(`--header '${name}' has a line break in its value`)
  return [name, value]
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    // Node's message quotes the text; only the position is kept.
    const position = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1]
    throw new UsageError(`--json is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`)
  }
}
