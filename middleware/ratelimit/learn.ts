import { parseHttpDate } from '../shared/http-date.ts'

/** A quota policy the server announced (`RateLimit-Policy`): at most `limit` per `windowMs`. */
export interface Policy {
  readonly limit: number
  readonly windowMs: number
}

/** What a response says about the server's rate limit. */
export interface Observation {
  /** The quota of the current window, when the server said. */
  readonly limit?: number
  /** Requests left in the current window. */
  readonly remaining?: number
  /** When the window resets (`Date.now()` ms). */
  readonly resetAt?: number
  /** The server asked for a pause until then (`Retry-After` on a 429, 503 or 403). */
  readonly retryAt?: number
  /** The quota policies the server announced (`RateLimit-Policy`); every one of them holds. */
  readonly policies?: readonly Policy[]
}

/** More policies than this in one field are ignored: each one is a window every start pays for. */
export const MAX_POLICIES = 8

const integer = (value: string | null | undefined): number | undefined =>
  value !== null && value !== undefined && /^\d+$/.test(value.trim()) ? Number(value.trim()) : undefined

/** One member of a structured-field list (RFC 8941): its bare item and its parameters. */
interface Item {
  /** The bare item as written: a quoted name (`"daily"`), a token or a number. */
  readonly value: string
  readonly params: ReadonlyMap<string, string>
}

/** Splits at `separator`, except inside a quoted string (where `\` escapes the next character). */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = []
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted && c === '\\') i += 1
    else if (c === '"') quoted = !quoted
    else if (!quoted && c === separator) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** The members of a list field, each with its parameters (`"daily";r=0;t=3600`). */
function items(field: string): Item[] {
  const list: Item[] = []
  for (const member of splitOutside(field, ',')) {
    const [value = '', ...rest] = splitOutside(member, ';').map((part) => part.trim())
    const params = new Map<string, string>()
    for (const param of rest) {
      const eq = param.indexOf('=')
      params.set((eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase(), eq === -1 ? '?1' : param.slice(eq + 1))
    }
    if (value !== '' || params.size > 0) list.push({ value, params })
  }
  return list
}

/** A `RateLimit` field: every quota it lists, as remaining and seconds to reset. */
interface Reading {
  readonly name: string
  readonly remaining: number | undefined
  readonly resetSeconds: number | undefined
  readonly limit?: number | undefined
}

function readings(field: string): Reading[] {
  const list = items(field)
  // The older draft's dictionary, `limit=10, remaining=5, reset=3`, is one quota.
  if (list.some((item) => /^[a-z][a-z0-9_-]*=/i.test(item.value))) {
    const entries = new Map(
      list.map((item) => {
        const eq = item.value.indexOf('=')
        return [item.value.slice(0, eq).trim().toLowerCase(), item.value.slice(eq + 1)] as const
      }),
    )
    return [
      {
        name: '',
        limit: integer(entries.get('limit')),
        remaining: integer(entries.get('remaining')),
        resetSeconds: integer(entries.get('reset')),
      },
    ]
  }
  return list.map((item) => ({
    name: item.value,
    remaining: integer(item.params.get('r')),
    resetSeconds: integer(item.params.get('t')),
  }))
}

/**
 * The quota to keep to among several: a spent one (the one that resets last, when several
 * are), otherwise the one with the fewest requests left per second until its reset.
 */
function tightest(list: readonly Reading[]): Reading | undefined {
  let spent: Reading | undefined
  let best: Reading | undefined
  let bestRate = Number.POSITIVE_INFINITY
  for (const reading of list) {
    const { remaining, resetSeconds } = reading
    if (remaining === undefined) continue
    if (remaining === 0) {
      if (spent === undefined || (resetSeconds ?? 0) > (spent.resetSeconds ?? 0)) spent = reading
      continue
    }
    // Without a reset the rate is unknown: such a quota is chosen only when no other is known.
    const rate = resetSeconds === undefined || resetSeconds === 0 ? Number.MAX_VALUE : remaining / resetSeconds
    if (best === undefined || rate < bestRate) {
      best = reading
      bestRate = rate
    }
  }
  return spent ?? best
}

/** `RateLimit-Policy`: `"name";q=100;w=60` items, or the older `100;w=60`; unusable items are skipped. */
function policies(field: string): { name: string; policy: Policy }[] {
  const found: { name: string; policy: Policy }[] = []
  for (const item of items(field)) {
    const limit = integer(item.params.get('q')) ?? integer(item.value)
    const window = integer(item.params.get('w'))
    if (limit === undefined || limit < 1 || window === undefined || window < 1) continue
    found.push({ name: item.value, policy: { limit, windowMs: window * 1000 } })
    if (found.length === MAX_POLICIES) break
  }
  return found
}

/** `Retry-After`: delta-seconds or a strict HTTP-date, as a `Date.now()` time. */
function retryAfterAt(value: string | null, now: number): number | undefined {
  if (value === null) return undefined
  const seconds = integer(value)
  return seconds !== undefined ? now + seconds * 1000 : parseHttpDate(value, now)
}

/**
 * Reads the rate-limit fields of a response: GitHub's `X-RateLimit-Limit/Remaining/Reset`
 * (reset in epoch seconds), the IETF `RateLimit` and `RateLimit-Policy` fields
 * (draft-ietf-httpapi-ratelimit-headers, both the structured `r=`/`t=`/`q=`/`w=` form and the
 * older `RateLimit-Limit/Remaining/Reset` with reset in seconds), and `Retry-After` on a 429,
 * 503 or 403 (GitHub's secondary rate limit).
 *
 * A `RateLimit` field that lists several quotas is read whole and the tightest is kept: a
 * spent one (remaining 0) pauses until its reset, otherwise the one with the fewest requests
 * left per second. Every policy of `RateLimit-Policy` is kept (each becomes a window), up to
 * `MAX_POLICIES`. `Retry-After` is delta-seconds or an HTTP-date, read strictly.
 */
export function observe(response: Response, now: number): Observation {
  const { headers, status } = response
  let limit = integer(headers.get('x-ratelimit-limit'))
  let remaining = integer(headers.get('x-ratelimit-remaining'))
  const epochReset = integer(headers.get('x-ratelimit-reset'))
  let resetAt = epochReset === undefined ? undefined : epochReset * 1000

  const policyField = headers.get('ratelimit-policy')
  const announced = policyField === null ? [] : policies(policyField)

  const field = headers.get('ratelimit')
  const reading = field === null ? undefined : tightest(readings(field))
  if (reading !== undefined) {
    remaining = reading.remaining ?? remaining
    const named = reading.name === '' ? undefined : announced.find((p) => p.name === reading.name)
    limit = reading.limit ?? named?.policy.limit ?? limit
    if (reading.resetSeconds !== undefined) resetAt = now + reading.resetSeconds * 1000
  }
  // The older separate fields; `RateLimit-Limit` may list policies after the limit (`10, 10;w=1`).
  const limitField = headers.get('ratelimit-limit')
  limit = (limitField === null ? undefined : integer(items(limitField)[0]?.value)) ?? limit
  remaining = integer(headers.get('ratelimit-remaining')) ?? remaining
  const deltaReset = integer(headers.get('ratelimit-reset'))
  if (deltaReset !== undefined) resetAt = now + deltaReset * 1000

  // A 403 with `Retry-After` is a throttle too (GitHub's secondary rate limit answers so).
  const retryAt =
    status === 429 || status === 503 || status === 403 ? retryAfterAt(headers.get('retry-after'), now) : undefined

  return {
    ...(limit !== undefined ? { limit } : {}),
    ...(remaining !== undefined ? { remaining } : {}),
    ...(resetAt !== undefined ? { resetAt } : {}),
    ...(retryAt !== undefined ? { retryAt } : {}),
    ...(announced.length > 0 ? { policies: announced.map((p) => p.policy) } : {}),
  }
}
