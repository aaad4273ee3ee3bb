import type { ParamValue, QueryInit } from './context.ts'
import { ConfigError } from './errors.ts'

const placeholder = /\{(\+?)([^{}]*)\}/g

/**
 * Fills a path template's placeholders. `{name}` becomes exactly one percent-encoded path
 * segment (so `../admin?x=1#y` cannot climb, add a query or a fragment); `{+name}` may span
 * segments (`a/b/c`), each encoded on its own. A missing, empty, `.` or `..` value, an
 * unknown placeholder or an unused parameter is a `ConfigError`.
 */
export function expandPath(template: string, params: Readonly<Record<string, ParamValue | undefined>> = {}): string {
  if (typeof template !== 'string') throw new ConfigError(`the path must be a string, got ${typeof template}`)
  if (typeof params !== 'object' || params === null) {
    throw new ConfigError(`params must be a record of path parameters, got ${params === null ? 'null' : typeof params}`)
  }
  if (!template.includes('{') && !template.includes('}')) {
    const unused = Object.keys(params).filter((key) => params[key] !== undefined)
    if (unused.length > 0) throw new ConfigError(`path parameter(s) ${unused.join(', ')} not used by '${template}'`)
    return template
  }
  const used = new Set<string>()
  const expanded = template.replace(placeholder, (_match, reserved: string, name: string) => {
    if (!/^[A-Za-z_][\w.-]*$/.test(name)) {
      throw new ConfigError(`path template '${template}' has an invalid placeholder '{${reserved}${name}}'`)
    }
    const value = params[name]
    if (value === undefined || value === null) {
      throw new ConfigError(`path parameter '${name}' is missing for '${template}'`)
    }
    used.add(name)
    const text = String(value)
    return reserved
      ? text
          .split('/')
          .map((segment) => encodeSegment(segment, name))
          .join('/')
      : encodeSegment(text, name)
  })
  if (expanded.includes('{') || expanded.includes('}')) {
    throw new ConfigError(`path template '${template}' has an unbalanced brace`)
  }
  const unused = Object.keys(params).filter((key) => !used.has(key) && params[key] !== undefined)
  if (unused.length > 0) throw new ConfigError(`path parameter(s) ${unused.join(', ')} not used by '${template}'`)
  return expanded
}

function encodeSegment(segment: string, name: string): string {
  // An empty segment would hit a different endpoint (`/users/` lists users), and the URL
  // parser resolves `.`, `..` and their percent-encoded forms as dot-segments, so no
  // encoding keeps them inside the path: refuse them.
  if (segment === '' || segment === '.' || segment === '..') {
    throw new ConfigError(`path parameter '${name}' has the segment '${segment}', which would change the path`)
  }
  try {
    return encodeURIComponent(segment)
  } catch (cause) {
    // A lone surrogate has no UTF-8 form; encodeURIComponent throws a bare URIError for it.
    throw new ConfigError(`path parameter '${name}' is not well-formed Unicode (it has a lone surrogate)`, { cause })
  }
}

/**
 * Joins `base` and `path` as strings (so `https://host/api/v3` + `/users` keeps `/api/v3`,
 * unlike `new URL(path, base)`); an absolute `path` (with a scheme) is used as is.
 */
export function joinUrl(base: string | URL | undefined, path: string): URL {
  if (typeof path !== 'string') throw new ConfigError(`the path must be a string, got ${typeof path}`)
  // Error messages name the path without its query, which may carry a key.
  const shown = path.split('?')[0]
  let joined = path
  if (!/^[a-z][a-z\d+.-]*:/i.test(path)) {
    if (base === undefined) throw new ConfigError(`'${shown}' is a relative URL and the client has no baseUrl`)
    // A `URL` object is accepted as well as its text.
    const text = String(base)
    // Appended as a string, a path would land inside the base's query or fragment.
    if (text.includes('?') || text.includes('#')) {
      throw new ConfigError('baseUrl must not have a query or a fragment: the path would be appended to it')
    }
    const trimmed = text.endsWith('/') ? text.slice(0, -1) : text
    joined = path === '' ? trimmed : `${trimmed}${path.startsWith('/') || path.startsWith('?') ? '' : '/'}${path}`
  }
  try {
    return new URL(joined)
  } catch (cause) {
    throw new ConfigError(`'${shown}' does not make a valid URL`, { cause })
  }
}

/** Appends `query` to the URL's search: arrays repeat the key, `undefined`/`null` are dropped. */
export function appendQuery(url: URL, query: QueryInit | undefined): void {
  if (query === undefined) return
  if (typeof query !== 'object' || query === null) {
    throw new ConfigError(`query must be a record or a URLSearchParams, got ${query === null ? 'null' : typeof query}`)
  }
  const params = new URLSearchParams(url.search)
  if (query instanceof URLSearchParams) {
    for (const [key, value] of query) params.append(key, value)
  } else {
    for (const key of Object.keys(query)) {
      const value = query[key]
      if (Array.isArray(value)) {
        for (const item of value) if (item !== undefined && item !== null) params.append(key, String(item))
      } else if (value !== undefined && value !== null) {
        params.append(key, String(value))
      }
    }
  }
  url.search = params.toString()
}
