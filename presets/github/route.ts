import { ConfigError, type QueryValue, type RequestOptions } from '../../src/index.ts'

/** A route string taken apart. */
export interface ParsedRoute {
  readonly method: string
  readonly path: string
  /** The names of the path's `{placeholders}`. */
  readonly placeholders: ReadonlySet<string>
}

const ROUTE = /^(?:([A-Za-z]+)\s+)?(\/\S*)$/
const cache = new Map<string, ParsedRoute>()

/** Parses `'GET /repos/{owner}/{repo}'` (the method defaults to GET); a malformed route is a `ConfigError`. */
export function parseRoute(route: string): ParsedRoute {
  let parsed = cache.get(route)
  if (parsed !== undefined) return parsed
  const match = typeof route === 'string' ? ROUTE.exec(route.trim()) : null
  if (match === null) {
    throw new ConfigError(`'${String(route)}' is not a route: write it as GitHub's docs do, 'GET /users/{username}'`)
  }
  const path = match[2] as string
  const placeholders = new Set([...path.matchAll(/\{\+?([^{}]+)\}/g)].map((found) => found[1] as string))
  parsed = { method: (match[1] ?? 'GET').toUpperCase(), path, placeholders }
  if (cache.size < 500) cache.set(route, parsed)
  return parsed
}

// Only these put their parameters in the query: GitHub documents body parameters for several
// DELETE endpoints (`DELETE /repos/{owner}/{repo}/contents/{path}` takes `message` and `sha`).
const QUERY_METHODS = new Set(['GET', 'HEAD'])

/**
 * Places a route's parameters as GitHub (and Octokit) expect: those named in the path fill it;
 * the rest go to the query for GET and HEAD (arrays joined with commas, as GitHub reads them),
 * and to a JSON body for every other method, DELETE included. A `data` parameter is the raw
 * body, as in Octokit.
 */
export function placeParams(route: ParsedRoute, params: Readonly<Record<string, unknown>> = {}): RequestOptions {
  if (typeof params !== 'object' || params === null) throw new ConfigError('route parameters must be an object')
  const pathParams: Record<string, string | number> = {}
  const rest: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue
    if (route.placeholders.has(name)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw new ConfigError(`path parameter '${name}' must be a string or a number`)
      }
      pathParams[name] = value
    } else rest[name] = value
  }
  const options: RequestOptions = { params: pathParams }
  if (QUERY_METHODS.has(route.method)) {
    const query: Record<string, QueryValue> = {}
    for (const [name, value] of Object.entries(rest)) query[name] = queryValue(name, value)
    if (Object.keys(query).length > 0) options.query = query
    return options
  }
  const { data, ...fields } = rest
  if (data !== undefined) {
    if (typeof data === 'string' || data instanceof Blob) options.body = data
    else if (data instanceof Uint8Array) options.body = data as Uint8Array<ArrayBuffer>
    else options.json = data
  } else if (Object.keys(fields).length > 0) {
    options.json = fields
  }
  return options
}

function queryValue(name: string, value: unknown): QueryValue {
  if (Array.isArray(value)) return value.map(String).join(',')
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value
  if (value === null) return undefined
  throw new ConfigError(`query parameter '${name}' must be a string, number, boolean or an array of them`)
}
