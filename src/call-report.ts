import type { Context } from './context.ts'
import { HttpError, PlyError } from './errors.ts'
import type { CallSummary } from './events.ts'

/**
 * What a call came to, as the client's `response` event and `log()` report it: the final
 * status (the `HttpError`'s for a rejected one), the time since `startedAt`
 * (`performance.now()`), the cache status, the transport calls, the error, and the facts
 * middlewares added (`ctx.facts`).
 */
export function callSummary(ctx: Context, startedAt: number, error: PlyError | undefined): CallSummary {
  const status = ctx.response?.status ?? (error instanceof HttpError ? error.status : undefined)
  return {
    ...ctx.facts,
    status,
    error,
    durationMs: performance.now() - startedAt,
    cacheStatus: ctx.cacheStatus,
    attempts: ctx.attempts,
  }
}

/**
 * Runs a call with its `request` and `response` events around it; the `response` event
 * reports an error as well as a status, and the call's outcome is passed on unchanged.
 */
export async function reported<T extends { readonly status: number }>(
  ctx: Context,
  startedAt: number,
  run: () => Promise<T>,
): Promise<T> {
  ctx.events.emit('request', {})
  try {
    const value = await run()
    if (ctx.events.listens('response'))
      ctx.events.emit('response', { ...callSummary(ctx, startedAt, undefined), status: value.status })
    return value
  } catch (error) {
    if (ctx.events.listens('response')) {
      const failure = error instanceof PlyError ? error : new PlyError('the call failed', { cause: error })
      ctx.events.emit('response', callSummary(ctx, startedAt, failure))
    }
    throw error
  }
}
