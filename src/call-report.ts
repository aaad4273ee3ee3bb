import type { Context } from './context.ts'
import { HttpError, PlyError } from './errors.ts'

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
  const done = (status: number | undefined, error: PlyError | undefined) =>
    ctx.events.emit('response', {
      status,
      error,
      durationMs: performance.now() - startedAt,
      cacheStatus: ctx.cacheStatus,
      attempts: ctx.attempts,
      rateLimitWaitMs: ctx.state.rateLimitWaitMs ?? 0,
    })
  try {
    const value = await run()
    done(value.status, undefined)
    return value
  } catch (error) {
    const failure = error instanceof PlyError ? error : new PlyError('the call failed', { cause: error })
    done(failure instanceof HttpError ? failure.status : undefined, failure)
    throw error
  }
}
