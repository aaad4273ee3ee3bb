// The same strict reading as middleware/cache/http-date.ts; a middleware imports only src/,
// so the rate limiter keeps its own copy until that parser moves to src/.

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)'
const MONTH = `(${MONTHS.join('|')})`
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})'
// RFC 9110 §5.6.7: the preferred IMF-fixdate and the two obsolete forms a recipient must accept.
const IMF_FIXDATE = new RegExp(`^${DAY}, (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`)
const RFC_850 = new RegExp(`^${LONG_DAY}, (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`)
const ASCTIME = new RegExp(`^${DAY} ${MONTH} ( \\d|\\d{2}) ${TIME} (\\d{4})$`)

/**
 * An HTTP-date (RFC 9110 §5.6.7: IMF-fixdate, RFC 850 or asctime) in ms since the epoch, or
 * `undefined` for anything else. Not `Date.parse`, which takes almost anything: a
 * `Retry-After: 2030-01-01` must not pause a client for years.
 */
export function parseHttpDate(value: string, now: number): number | undefined {
  const text = value.trim()
  let match = IMF_FIXDATE.exec(text)
  if (match) return toTime(match[3], match[2], match[1], match[4], match[5], match[6])
  match = ASCTIME.exec(text)
  if (match) return toTime(match[6], match[1], match[2], match[3], match[4], match[5])
  match = RFC_850.exec(text)
  if (match) {
    // A two-digit year more than 50 years ahead is in the past century (RFC 9110).
    let year = 2000 + Number(match[3])
    if (Date.UTC(year, 0) > now + 50 * 365.25 * 86_400_000) year -= 100
    return toTime(String(year), match[2], match[1], match[4], match[5], match[6])
  }
  return undefined
}

function toTime(...[year, month, day, hours, minutes, seconds]: (string | undefined)[]): number | undefined {
  const d = Number(day)
  const h = Number(hours)
  const min = Number(minutes)
  const s = Number(seconds)
  if (h > 23 || min > 59 || s > 60) return undefined
  const time = Date.UTC(Number(year), MONTHS.indexOf(month ?? ''), d, h, min, s)
  // Date.UTC rolls 31 Feb over into March: such a date is not a date. (60 is a leap second.)
  if (new Date(time).getUTCDate() !== d && s !== 60) return undefined
  return time
}
