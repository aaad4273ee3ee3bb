/** Parsed `Cache-Control` directives: lower-case names, unquoted values, `true` for a bare name. */
export type Directives = ReadonlyMap<string, string | true>

// The greatest delta-seconds a cache must be able to hold (RFC 9111 §1.2.2).
const MAX_DELTA_SECONDS = 2_147_483_648
const DIRECTIVE = /\s*([^\s=,]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)/y

/**
 * Parses a `Cache-Control` field value. Directive names are case-insensitive (RFC 9111 §5.2),
 * so they are lower-cased; quoted values are unquoted; when a directive repeats, the first
 * occurrence wins (§4.2.1).
 */
export function parseDirectives(value: string | null | undefined): Directives {
  const directives = new Map<string, string | true>()
  if (!value) return directives
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
