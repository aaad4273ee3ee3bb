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

// A path is an absolute URL only when it starts with `scheme://`: `users:search` or
// `42:activate` (Google-style custom methods) parse as URLs with the schemes `users:` and
// `42:`…, but they are paths relative to `baseUrl`.
const absolute = /^[a-z][a-z\d+.-]*:\/\//i
// `scheme://userinfo@`: what a message must not repeat of an absolute URL.
const userInfo = /^([a-z][a-z\d+.-]*:\/\/)[^/?#]*@/i

/**
 * Joins `base` and `path` as strings (so `https://host/api/v3` + `/users` keeps `/api/v3`,
 * unlike `new URL(path, base)`). A `path` that starts with `scheme://` is an absolute URL, used
 * as is; its scheme must be `http` or `https` (a `ConfigError` naming it otherwise), and it
 * must not hold user info (a `ConfigError` that does not repeat it). Anything
 * else, a colon in it included (`users:search`, `{id}:activate`), is relative to `base`.
 */
export function joinUrl(base: string | URL | undefined, path: string): URL {
  if (typeof path !== 'string') throw new ConfigError(`the path must be a string, got ${typeof path}`)
  // Error messages name the path without its query, which may carry a key, and without user info.
  const shown = (): string => (path.split('?')[0] ?? '').replace(userInfo, '$1[REDACTED]@')
  let joined = path
  if (absolute.test(path)) {
    const scheme = path.slice(0, path.indexOf(':')).toLowerCase()
    if (scheme !== 'http' && scheme !== 'https') {
      throw new ConfigError(`'${scheme}:' URLs are not supported: the URL must be http: or https:`)
    }
  } else {
    if (base === undefined) throw new ConfigError(`'${shown()}' is a relative URL and the client has no baseUrl`)
    // A `URL` object is accepted as well as its text.
    const text = String(base)
    // Appended as a string, a path would land inside the base's query or fragment.
    if (text.includes('?') || text.includes('#')) {
      throw new ConfigError('baseUrl must not have a query or a fragment: the path would be appended to it')
    }
    const trimmed = text.endsWith('/') ? text.slice(0, -1) : text
    joined = path === '' ? trimmed : `${trimmed}${path.startsWith('/') || path.startsWith('?') ? '' : '/'}${path}`
  }
  let url: URL
  try {
    url = new URL(joined)
  } catch (cause) {
    throw new ConfigError(`'${shown()}' does not make a valid URL`, { cause })
  }
  // fetch refuses such a URL, and a credential in the URL would travel and be logged with it;
  // the message does not repeat it.
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError('the URL must not hold credentials (user info before @); use an auth middleware instead')
  }
  return url
}

/**
 * Appends `query` to the URL's search. The query already in the URL is kept byte for byte
 * (`?flag&q=a%20b` stays so, rather than being re-encoded as `?flag=&q=a+b`); the new
 * parameters follow it after a `&`, URL-encoded as a form is. In a record, arrays repeat the
 * key and `undefined`/`null` are dropped; each value must be a string, number, boolean or
 * bigint (a `ConfigError` naming the parameter otherwise: `String()` would send an object as
 * `[object Object]`). A `URLSearchParams` is appended as is.
 */
export function appendQuery(url: URL, query: QueryInit | undefined): void {
  if (query === undefined) return
  if (typeof query !== 'object' || query === null) {
    throw new ConfigError(`query must be a record or a URLSearchParams, got ${query === null ? 'null' : typeof query}`)
  }
  const params = new URLSearchParams()
  if (query instanceof URLSearchParams) {
    for (const [key, value] of query) params.append(key, value)
  } else {
    for (const key of Object.keys(query)) {
      const value: unknown = query[key]
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) {
          if (item !== undefined && item !== null) params.append(key, queryText(key, item))
        }
      } else if (value !== undefined && value !== null) {
        params.append(key, queryText(key, value))
      }
    }
  }
  const added = params.toString()
  if (added === '') return
  // `url.search` is already serialised by the URL parser, so setting it back (with the new
  // parameters after it) changes none of its bytes.
  const existing = url.search.slice(1)
  url.search = existing === '' || existing.endsWith('&') ? `${existing}${added}` : `${existing}&${added}`
}

/** A query value as text; only scalars have a meaningful one. */
function queryText(key: string, value: unknown): string {
  const type = typeof value
  if (type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint') return String(value)
  const got = Array.isArray(value) ? 'a nested array' : value instanceof Date ? 'a Date' : type
  throw new ConfigError(
    `query parameter '${key}' must be a string, number, boolean or bigint (or an array of them), got ${got}`,
  )
}
