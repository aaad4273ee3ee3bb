const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const MONTH_INDEX = new Map(MONTHS.map((name, index) => [name.toLowerCase(), index]))
const DAY = '(Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const LONG_DAY = '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)'
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// RFC 9110 §5.6.7: the preferred IMF-fixdate and the two obsolete forms a recipient must accept.
// The grammar is case-sensitive, but RFC 9111 §4.2 asks a cache to match dates
// case-insensitively (`thu, 18 aug 2050 … gmt`), and being robust costs nothing elsewhere.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`, 'i')
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`, 'i')
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`, 'i')

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) strictly, to milliseconds since the epoch; anything
 * else (another format, an impossible date such as 31 Feb, `0`) is `undefined`. Day and month
 * names and `GMT` match in any case; an RFC 850 two-digit year is this century's unless that
 * puts it more than 50 years ahead of `now`. `Date.parse` is not used: it accepts almost
 * anything, and reads `18-Aug-50` as 1950; a cache must treat an invalid `Expires` as already
 * expired rather than guess, and a `Retry-After: 2030-01-01` must not pause a client for years.
 */
export function parseHttpDate(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const text = value.trim()
  let match = IMF_FIXDATE.exec(text)
  if (match) return toTime(match[4], match[3], match[2], match[5], match[6], match[7])
  match = ASCTIME.exec(text)
  if (match) return toTime(match[7], match[2], match[3], match[4], match[5], match[6])
  match = RFC_850.exec(text)
  if (match) {
    // A two-digit year more than 50 years in the future means the past century (RFC 9110).
    let year = 2000 + Number(match[4])
    if (Date.UTC(year, 0) > now + 50 * 365.25 * 86_400_000) year -= 100
    return toTime(String(year), match[3], match[2], match[5], match[6], match[7])
  }
  return undefined
}

function toTime(...[year, month, day, hours, minutes, seconds]: (string | undefined)[]): number | undefined {
  const y = Number(year)
  const m = MONTH_INDEX.get(month?.toLowerCase() ?? '') ?? Number.NaN
  const d = Number(day)
  const h = Number(hours)
  const min = Number(minutes)
  const s = Number(seconds)
  // Leap seconds (60) are allowed by the grammar; Date folds them into the next minute.
  if (h > 23 || min > 59 || s > 60) return undefined
  const time = Date.UTC(y, m, d, h, min, s)
  // Date.UTC rolls 31 Feb over into March: such a date is not valid.
  if (new Date(time).getUTCDate() !== d && s !== 60) return undefined
  return time
}
