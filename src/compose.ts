import type { Context, Middleware, Next, PlyRequest } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'

/** Sets `ctx.request`, which is read-only to middlewares. */
export function setRequest(ctx: Context, request: PlyRequest): void {
  ;(ctx as { request: PlyRequest }).request = request
}

/** Throws a `ConfigError` unless `middleware` is a function; `where` names the offender. */
export function assertMiddleware(middleware: unknown, where: string): asserts middleware is Middleware {
  if (typeof middleware !== 'function') {
    const got = middleware === null ? 'null' : typeof middleware
    throw new ConfigError(`${where} must be a middleware function (ctx, next) => Promise<void>, got ${got}`)
  }
}

/**
 * Composes middlewares into one, in Koa's order: the first is outermost, and the `next` given
 * to the composed middleware (the transport, for a client) is innermost.
 *
 * Each call of a `next()` runs the rest of the stack afresh: the inner stack gets its own copy
 * of the request as the caller left it, `ctx.response` and `ctx.parsed` are cleared, and when
 * it settles the caller's own request is back in `ctx.request`. So a middleware may call
 * `next()` several times (retry, token refresh, revalidation) without one attempt's changes
 * leaking into the next. Calls of one `next()` must not overlap. `next(other)` runs the inner
 * stack for another context instead (see `detachContext`), and may overlap.
 *
 * The composed middleware's `prepare` runs the members' `prepare` hooks, outermost first.
 */
export function compose(middlewares: readonly Middleware[]): Middleware {
  middlewares.forEach((middleware, index) => {
    assertMiddleware(middleware, `middleware #${index}`)
  })
  const stack = [...middlewares]
  const prepares = stack.flatMap((middleware) => (middleware.prepare ? [middleware.prepare] : []))

  const dispatch = (ctx: Context, index: number, last: Next): Promise<void> => {
    const middleware = stack[index]
    if (middleware === undefined) return last(ctx)
    let running = false
    const next = async (other?: Context): Promise<void> => {
      if (other !== undefined && other !== ctx) return run(other, index + 1, last)
      if (running) {
        throw new PlyError('next() was called again before the previous call settled; calls must not overlap')
      }
      running = true
      try {
        await run(ctx, index + 1, last)
      } finally {
        running = false
      }
    }
    try {
      return middleware(ctx, next)
    } catch (error) {
      // A middleware that throws synchronously still rejects the call rather than escaping it.
      return Promise.reject(error)
    }
  }

  /** Runs the stack from `index` on a fresh copy of `ctx`'s request, then puts the original back. */
  const run = async (ctx: Context, index: number, last: Next): Promise<void> => {
    const own = ctx.request
    setRequest(ctx, own.fork())
    ctx.response = undefined
    ctx.parsed = undefined
    try {
      await dispatch(ctx, index, last)
    } finally {
      setRequest(ctx, own)
    }
  }

  const composed: Middleware = (ctx, last) => dispatch(ctx, 0, last)
  if (prepares.length > 0) {
    composed.prepare = async (ctx) => {
      for (const prepare of prepares) await prepare(ctx)
    }
  }
  return composed
}
