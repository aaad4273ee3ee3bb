import type { Context, Middleware, PlyRequest } from './context.ts'
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
 * leaking into the next. Calls of one `next()` must not overlap.
 */
export function compose(middlewares: readonly Middleware[]): Middleware {
  middlewares.forEach((middleware, index) => {
    assertMiddleware(middleware, `middleware #${index}`)
  })
  const stack = [...middlewares]

  return (ctx, last) => {
    const dispatch = (index: number): Promise<void> => {
      const middleware = stack[index]
      if (middleware === undefined) return last()
      let running = false
      const next = async (): Promise<void> => {
        if (running) {
          throw new PlyError('next() was called again before the previous call settled; calls must not overlap')
        }
        running = true
        const own = ctx.request
        setRequest(ctx, own.fork())
        ctx.response = undefined
        ctx.parsed = undefined
        try {
          await dispatch(index + 1)
        } finally {
          setRequest(ctx, own)
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
    return dispatch(0)
  }
}
