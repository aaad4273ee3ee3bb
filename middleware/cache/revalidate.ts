import { type Context, NetworkError, RateLimitError, TimeoutError } from '../../src/index.ts'
import { ageOf, mergeHeaders, type StoredResponse, storedHeader, withDate } from './entry.ts'
import { assess } from './freshness.ts'
import type { CacheSettings } from './options.ts'
import { release, serve } from './serve.ts'
import { background, isCredentialed, type Run, type Slot, storeResponse, write } from './write.ts'

// Answers after which a stale response may stand in for the origin (RFC 5861 §4).
const ORIGIN_ERRORS = new Set([500, 502, 503, 504])

/**
 * Sends a conditional request for a stale (or `no-cache`) entry. A 304 refreshes the stored
 * headers and serves the stored body; an origin failure within `stale-if-error` serves the
 * stale entry; anything else is a new response, stored if allowed.
 */
export async function revalidate(
  ctx: Context,
  run: Run,
  settings: CacheSettings,
  slot: Slot,
  entry: StoredResponse,
): Promise<void> {
  const request = ctx.request
  const requestHeaders = request.peekHeaders()
  const etag = storedHeader(entry, 'etag')
  const lastModified = storedHeader(entry, 'last-modified')
  if (etag !== undefined) request.headers.set('if-none-match', etag)
  else if (lastModified !== undefined) request.headers.set('if-modified-since', lastModified)
  const requestTime = Date.now()
  try {
    await run()
  } catch (error) {
    if (!(isOriginFailure(error) && mayServeOnError(entry))) throw error
    return serve(ctx, entry, Date.now(), 'stale')
  }
  const response = ctx.response
  if (response === undefined) return
  if (response.status === 304 && (etag !== undefined || lastModified !== undefined)) {
    await release(response)
    const responseTime = Date.now()
    const merged = mergeHeaders(entry, withDate(response.headers, responseTime))
    const freshness = assess(
      {
        method: request.method,
        status: entry.status,
        headers: new Headers(merged as [string, string][]),
        requestDirectives: slot.directives,
        credentialed: isCredentialed(ctx, requestHeaders),
        requestTime,
        responseTime,
      },
      settings.freshness,
    )
    const updated: StoredResponse = { ...entry, ...freshness, headers: merged, storedAt: responseTime }
    if (ctx.state.credentialScope === slot.scope) {
      if (freshness === undefined) background(settings.store.delete(slot.key))
      else write(settings, slot, updated, responseTime)
    }
    // The cookies the origin just sent belong to this call's answer; none is stored.
    return serve(ctx, updated, responseTime, 'revalidated', response.headers.getSetCookie())
  }
  if (ORIGIN_ERRORS.has(response.status) && mayServeOnError(entry)) {
    await release(response)
    return serve(ctx, entry, Date.now(), 'stale')
  }
  ctx.cacheStatus = 'miss'
  await storeResponse(ctx, settings, slot, requestHeaders, requestTime)
}

/** Whether a stale entry may stand in for a failed origin now (`stale-if-error`, not `must-revalidate`). */
function mayServeOnError(entry: StoredResponse): boolean {
  return !entry.mustRevalidate && ageOf(entry, Date.now()) - entry.lifetime < entry.staleIfError
}

/** A failure of the origin or the way to it; an abort or a bad configuration is not one. */
function isOriginFailure(error: unknown): boolean {
  return error instanceof NetworkError || error instanceof TimeoutError || error instanceof RateLimitError
}
