import { isSecretHeader } from '../../src/kit.ts'
import { credentialScope } from '../shared/credential-scope.ts'
import { type CacheRecord, type StoredResponse, storedHeader } from './entry.ts'

// Fields whose value is a list of weighted, case-insensitive tokens (RFC 9110 §12.5.3,
// §12.5.4): neither the order of members of equal weight, nor case, nor spacing carries
// meaning, so two values that differ only in those select the same variant (RFC 9111 §4.1).
const WEIGHTED = new Set(['accept-language', 'accept-encoding'])
const MEMBER = /^([^\s;=]+)(?:\s*;\s*q\s*=\s*((?:0(?:\.\d{0,3})?)|(?:1(?:\.0{0,3})?)))?$/

/** One member of a weighted list: a token (lower-case) and its weight. */
interface Weighted {
  readonly token: string
  readonly q: number
}

/**
 * The request's values of the fields a response's `Vary` names, normalised for matching a later
 * request against a stored variant: spacing around commas removed, and the weighted lists of
 * `Accept-Language` and `Accept-Encoding` lower-cased and sorted by weight, then token. Secret
 * fields (`Authorization`, `Cookie`, …) are kept only as keyed hashes.
 */
export function varyValues(vary: string | null, headers: Headers): Record<string, string | null> | undefined {
  if (!vary) return undefined
  const values: Record<string, string | null> = {}
  for (const field of vary.split(',')) {
    const name = field.trim().toLowerCase()
    if (name === '') continue
    const value = headers.get(name)
    const normalized = value === null ? null : normalize(name, value)
    values[name] = normalized !== null && isSecretHeader(name) ? credentialScope('vary', normalized) : normalized
  }
  return Object.keys(values).length === 0 ? undefined : values
}

/**
 * The stored variant whose `Vary` fields match the request's headers, if any. An
 * `Accept-Language` that differs also matches when its single first choice is the variant's
 * `Content-Language`: the language the origin chose is then the one the request prefers most.
 */
export function selectVariant(record: CacheRecord | undefined, headers: Headers): StoredResponse | undefined {
  if (record === undefined) return undefined
  for (const variant of record.variants) {
    const stored = variant.vary
    if (stored === undefined) return variant
    const names = Object.keys(stored)
    const current = varyValues(names.join(','), headers)
    if (current === undefined) continue
    const matches = (name: string) =>
      current[name] === stored[name] || (name === 'accept-language' && satisfies(variant, current[name] ?? null))
    if (names.every(matches)) return variant
  }
  return undefined
}

function normalize(name: string, value: string): string {
  const spaced = value.trim().replace(/\s*,\s*/g, ',')
  if (!WEIGHTED.has(name)) return spaced
  const members = weighted(spaced)
  return members === undefined ? spaced : members.map(({ token, q }) => (q === 1 ? token : `${token};q=${q}`)).join(',')
}

/** A weighted list's members, most wanted first (then by token); `undefined` if one does not parse. */
function weighted(value: string): Weighted[] | undefined {
  const members: Weighted[] = []
  for (const part of value.toLowerCase().split(',')) {
    if (part === '') continue
    const match = MEMBER.exec(part)
    if (match === null) return undefined
    members.push({ token: match[1] as string, q: match[2] === undefined ? 1 : Number(match[2]) })
  }
  return members.sort((a, b) => b.q - a.q || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0))
}

/** Whether the variant's `Content-Language` is the single first choice of an `Accept-Language`. */
function satisfies(variant: StoredResponse, acceptLanguage: string | null): boolean {
  const language = storedHeader(variant, 'content-language')
  if (acceptLanguage === null || language === undefined) return false
  const [first, second] = weighted(acceptLanguage) ?? []
  if (first === undefined || first.q === 0 || first.token === '*' || (second !== undefined && second.q === first.q)) {
    return false
  }
  return language.split(',').some((tag) => tag.trim().toLowerCase() === first.token)
}
