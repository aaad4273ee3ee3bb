import type { CacheStatus, CallEvent, Context } from '../../src/index.ts'
import { replay, type StoredResponse } from './entry.ts'

/** The client's `cacheHit` event (`client.on('cacheHit', listener)`): `cache()` answered the call. */
export interface CacheHitEvent extends CallEvent {
  /** Fresh (`'hit'`), `'stale'`, or `'revalidated'` after a 304. */
  readonly cacheStatus: Exclude<CacheStatus, 'miss' | 'bypass'>
}

declare module '../../src/index.ts' {
  interface ClientEvents {
    /** `cache()` answered the call, fresh, stale or after a 304. */
    cacheHit: CacheHitEvent
  }
}

/** Answers the call from a stored response, with the cache status it earned. */
export function serve(
  ctx: Context,
  entry: StoredResponse,
  now: number,
  status: Exclude<CacheStatus, 'miss' | 'bypass'>,
  cookies?: readonly string[],
): void {
  answerWith(ctx, replay(entry, now, cookies), status)
}

/** Answers the call with a response the cache made (a replay, a part of one), with the cache status it earned. */
export function answerWith(ctx: Context, response: Response, status: Exclude<CacheStatus, 'miss' | 'bypass'>): void {
  ctx.response = response
  ctx.cacheStatus = status
  ctx.events.emit('cacheHit', { cacheStatus: status })
}

/** `only-if-cached` with nothing stored: 504, as RFC 9111 §5.2.1.7 says. */
export function gatewayTimeout(ctx: Context): void {
  ctx.response = new Response(null, { status: 504, statusText: 'Gateway Timeout' })
  ctx.cacheStatus = 'miss'
}

/** Releases a response's connection when its body is not wanted. */
export async function release(response: Response | undefined): Promise<void> {
  if (response === undefined || response.bodyUsed) return
  await response.body?.cancel().catch(() => undefined)
}
