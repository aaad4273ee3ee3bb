import type { Middleware } from '../../src/index.ts'
import { attemptBudget, ReplayedResponse, readBytes, summarize } from '../../src/kit.ts'

/** How long to wait after the first secondary-limit answer that names no wait (GitHub asks for at least a minute). */
const FIRST_WAIT_S = 60
/** The wait doubles per consecutive secondary-limit answer, up to 16 minutes. */
const MAX_DOUBLINGS = 4
const SECONDARY = /secondary rate limit/i

/**
 * GitHub's secondary rate limit sometimes answers 403 or 429 without `Retry-After`, naming the
 * limit only in the message. GitHub's documentation asks for a wait of at least one minute,
 * growing exponentially while the limit persists: this middleware gives such a response the
 * `Retry-After` it lacks (60 s, then 120 s, 240 s, … up to 960 s; back to 60 s after a
 * success), so that the retry middleware waits it and the rate limiter holds the whole group
 * meanwhile. Place it inside `rateLimit()`.
 */
export function secondaryRateLimit(): Middleware {
  let streak = 0
  const middleware: Middleware = async (ctx, next) => {
    await next()
    const response = ctx.response
    if (response === undefined) return
    if (response.ok) {
      streak = 0
      return
    }
    if (response.status !== 403 && response.status !== 429) return
    if (response.headers.has('retry-after') || response.headers.get('x-ratelimit-remaining') === '0') return
    const bytes = await readBytes(response, {
      timeout: attemptBudget(ctx),
      signal: ctx.request.signal,
      request: () => summarize(ctx.request.method, ctx.request.peekUrl()),
      method: ctx.request.method,
    })
    const headers = new Headers(response.headers)
    if (SECONDARY.test(new TextDecoder().decode(bytes))) {
      headers.set('retry-after', String(FIRST_WAIT_S * 2 ** streak))
      streak = Math.min(streak + 1, MAX_DOUBLINGS)
    }
    // The body was read to look at it; the response is rebuilt over the same bytes.
    ctx.response = new ReplayedResponse(bytes, {
      status: response.status,
      statusText: response.statusText,
      headers,
      url: response.url,
    })
  }
  // With the rate limiter: inside retry(), which waits the Retry-After it adds, and outside auth.
  middleware.phase = 'limit'
  middleware.displayName = 'secondaryRateLimit()'
  return middleware
}

/**
 * Whether GitHub refused a request for a rate limit (a 403 or 429 with `Retry-After`, which
 * `secondaryRateLimit()` adds when GitHub names no wait, or with the primary quota spent).
 * GitHub did not act on such a request, so even a mutation may be sent again after the wait.
 */
export function isRateLimitRefusal(response: Response): boolean {
  if (response.status !== 403 && response.status !== 429) return false
  return response.headers.has('retry-after') || response.headers.get('x-ratelimit-remaining') === '0'
}
