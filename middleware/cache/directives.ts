/** Parsed `Cache-Control` directives: lower-case names, unquoted values, `true` for a bare name. */
export type Directives = ReadonlyMap<string, string | true>

// The greatest delta-seconds a cache must be able to hold (RFC 9111 §1.2.2).
const MAX_DELTA_SECONDS = 2_147_483_648
const DIRECTIVE = /\s*([^\s=,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/y

const NONE: Directives = new Map()
// An API sends few distinct Cache-Control values: each is parsed once. Bounded in count and
// length, so that a server inventing values cannot grow it without limit.
const remembered = new Map<string, Directives>()
const MAX_REMEMBERED = 64
const MAX_REMEMBERED_LENGTH = 256

/**
 * Parses a `Cache-Control` field value. Directive names are case-insensitive (RFC 9111 §5.2),
 * so they are lower-cased; quoted values are unquoted; when a directive repeats, the first
 * occurrence wins (§4.2.1). The result is shared between calls with the same value: read only.
 */
export function parseDirectives(value: string | null | undefined): Directives {
  if (!value) return NONE
  let directives = remembered.get(value)
  if (directives === undefined) {
    directives = parse(value)
    if (value.length <= MAX_REMEMBERED_LENGTH) {
      if (remembered.size >= MAX_REMEMBERED) remembered.clear()
      remembered.set(value, directives)
    }
  }
  return directives
}

function parse(value: string): Directives {
  const directives = new Map<string, string | true>()
  DIRECTIVE.lastIndex = 0
  while (DIRECTIVE.lastIndex < value.length) {
    const start = DIRECTIVE.lastIndex
    const match = DIRECTIVE.exec(value)
    if (match === null || DIRECTIVE.lastIndex === start) break
    const name = (match[1] as string).toLowerCase()
    const raw = match[2]
    const parsed =
      raw === undefined ? true : raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.trim()
    if (!directives.has(name)) directives.set(name, parsed)
  }
  return directives
}

/**
 * A directive's delta-seconds value: `undefined` when absent, `null` when present but not a
 * non-negative integer (an invalid value, which makes a freshness lifetime stale), and values
 * beyond 2^31 capped as RFC 9111 §1.2.2 asks.
 */
export function deltaSeconds(directives: Directives, name: string): number | null | undefined {
  const value = directives.get(name)
  if (value === undefined) return undefined
  if (value === true || !/^\d+$/.test(value)) return null
  return Math.min(Number(value), MAX_DELTA_SECONDS)
}

/** Formats directives back into a field value, for a library that reads the raw header. */
export function formatDirectives(directives: Directives): string {
  const parts: string[] = []
  for (const [name, value] of directives) {
    parts.push(value === true ? name : `${name}=${/^[\w!#$%&'*+.^`|~-]+$/.test(value) ? value : JSON.stringify(value)}`)
  }
  return parts.join(', ')
}
