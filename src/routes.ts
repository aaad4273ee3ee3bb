import type { RouteDefaults } from './client-types.ts'
import type { RequestOptions } from './context.ts'
import { ConfigError } from './errors.ts'

/** A route taken apart: `'GET /pets/{petId}'` → `{ method: 'GET', path: '/pets/{petId}' }`. */
export interface Route {
  readonly method: string
  readonly path: string
}

const ROUTE = /^([A-Za-z]+) (\/\S*)$/

/**
 * Parses a route as an OpenAPI document's operations are written here, `'GET /pets/{petId}'`:
 * a method, one space, a path template. A malformed one is a `ConfigError`.
 */
export function parseRoute(route: unknown, where: string): Route {
  const match = typeof route === 'string' ? ROUTE.exec(route) : null
  if (match === null) {
    const shown = typeof route === 'string' ? `'${route.slice(0, 80)}'` : typeof route
    throw new ConfigError(`${where}: ${shown} is not a route; write it as 'GET /pets/{petId}'`)
  }
  return { method: (match[1] as string).toUpperCase(), path: match[2] as string }
}

/** Per-call options that differ per call, and so have no place in a route's defaults. */
const PER_CALL = ['params', 'query', 'json', 'form', 'body', 'signal', 'schema'] as const

/**
 * Checks the `routes` option (each key a route, each value an object without per-call
 * options) and keys it by `'METHOD /path'` with the method upper-case. The option names
 * themselves are checked at each call, against those the client's middlewares declare then.
 *
 * @throws {ConfigError} naming the route and what is wrong with it.
 */
export function routeTable(routes: unknown): ReadonlyMap<string, RouteDefaults> | undefined {
  if (routes === undefined) return undefined
  if (typeof routes !== 'object' || routes === null || Array.isArray(routes)) {
    throw new ConfigError("routes must be an object keyed by route: { 'GET /pets': { cache: 'no-cache' } }")
  }
  const table = new Map<string, RouteDefaults>()
  for (const [key, defaults] of Object.entries(routes)) {
    const { method, path } = parseRoute(key, 'routes')
    if (typeof defaults !== 'object' || defaults === null) {
      throw new ConfigError(`routes['${key}'] must be an object of call options`)
    }
    const perCall = PER_CALL.find((name) => name in defaults)
    if (perCall !== undefined) {
      throw new ConfigError(`routes['${key}']: ${perCall} differs per call; give it to the call itself`)
    }
    table.set(`${method} ${path}`, defaults as RouteDefaults)
  }
  return table
}

/** A call's options over its route's defaults (shallowly: the call's own win). */
export function withRouteDefaults(
  table: ReadonlyMap<string, RouteDefaults>,
  method: string,
  path: string,
  options: RequestOptions | undefined,
): RequestOptions | undefined {
  const defaults = table.get(`${method} ${path}`)
  return defaults === undefined ? options : { ...defaults, ...options }
}

/**
 * Whether a request (`method` and the URL it was sent to, as an error's `request` holds them)
 * was a call of `route` under `baseUrl`: the method is the route's and the URL's path is the
 * base path followed by the template, each `{placeholder}` one segment (`{+name}` several).
 */
export function isCallOf(route: Route, baseUrl: string | undefined, method: string, url: string): boolean {
  if (method !== route.method || !URL.canParse(url)) return false
  const { pathname } = new URL(url)
  const basePath = baseUrl === undefined ? '' : new URL(baseUrl).pathname.replace(/\/$/, '')
  const template = route.path
    .split(/(\{\+?[^{}]+\})/)
    .map((part) =>
      part.startsWith('{+') ? '.+' : part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
    .join('')
  return new RegExp(`^${basePath.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')}${template}$`).test(pathname)
}
