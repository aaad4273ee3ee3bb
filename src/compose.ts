import type { Context, PlyRequest } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'
import { closeMiddlewares } from './lifecycle.ts'
import type { Middleware, Next } from './middleware.ts'
import { checkOrder, recordMembers } from './phase-order.ts'

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

/** Gives the inner stack a fresh copy of `ctx`'s request, and no response yet. */
function enter(ctx: Context): void {
  setRequest(ctx, ctx.request.fork())
  ctx.response = undefined
  ctx.parsed = undefined
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
 * The composed middleware's `prepare` runs the members' `prepare` hooks, outermost first, its
 * `attach` their `attach` hooks, its `flush` and `close` (see src/lifecycle.ts) theirs,
 * innermost first, and its `callOptions` are those its members declare. Its
 * members' phases must be in order (see src/phases.ts), and a stack that takes it checks them
 * where they stand: its outermost member against what is outside it, its innermost against
 * what is inside it.
 *
 * @throws {ConfigError} when an element is not a function or the phases are out of order.
 */
export function compose(middlewares: readonly Middleware[]): Middleware {
  middlewares.forEach((middleware, index) => {
    assertMiddleware(middleware, `middleware #${index}`)
  })
  checkOrder(middlewares, (index) => `compose(): middleware #${index}`)
  const stack = [...middlewares]
  const prepares = stack.flatMap((middleware) => (middleware.prepare ? [middleware.prepare] : []))

  // Plain functions returning promises rather than async ones: a call through N middlewares
  // would otherwise hold 3N suspended frames while it waits for the network.
  const dispatch = (ctx: Context, index: number, last: Next): Promise<void> => {
    const middleware = stack[index]
    if (middleware === undefined) return last(ctx)
    // One state per layer, which `next` and its callbacks share (made once per layer, not per
    // `next()` call): whether a call of `next()` for this context is under way, and the
    // request to put back when it settles.
    let running = false
    let own: PlyRequest = ctx.request
    const restore = (): void => {
      setRequest(ctx, own)
      running = false
    }
    const restoreAndThrow = (error: unknown): never => {
      restore()
      throw error
    }
    const next = (other?: Context): Promise<void> => {
      if (other !== undefined && other !== ctx) return descendFor(other, index + 1, last)
      if (running) {
        return Promise.reject(
          new PlyError('next() was called again before the previous call settled; calls must not overlap'),
        )
      }
      running = true
      own = ctx.request
      return descend(ctx, index + 1, last, restore, restoreAndThrow)
    }
    try {
      return middleware(ctx, next)
    } catch (error) {
      // A middleware that throws synchronously still rejects the call rather than escaping it.
      return Promise.reject(error)
    }
  }

  /**
   * The onion's one copy-and-restore: runs the stack from `index` on a fresh copy of `ctx`'s
   * request (and no response); `restore` puts the caller's request back when it settles.
   */
  const descend = (
    ctx: Context,
    index: number,
    last: Next,
    restore: () => void,
    restoreAndThrow: (error: unknown) => never,
  ): Promise<void> => {
    enter(ctx)
    let inner: Promise<void>
    try {
      // `Promise.resolve` returns a native promise as it is; it only wraps what a middleware
      // that is not async returned (undefined, or another thenable).
      inner = Promise.resolve(dispatch(ctx, index, last))
    } catch (error) {
      restore()
      return Promise.reject(error)
    }
    return inner.then(restore, restoreAndThrow)
  }

  /** `descend` for another context (`next(other)`), putting back that context's own request. */
  const descendFor = (ctx: Context, index: number, last: Next): Promise<void> => {
    const own = ctx.request
    const restore = (): void => setRequest(ctx, own)
    return descend(ctx, index, last, restore, (error: unknown) => {
      restore()
      throw error
    })
  }

  const composed: Middleware = (ctx, last) => dispatch(ctx, 0, last)
  // Where the composed middleware may go is where its members may: a stack checks them.
  recordMembers(composed, stack)
  if (prepares.length > 0) {
    composed.prepare = (ctx) => prepareFrom(prepares, 0, ctx)
  }
  // A client that uses the composed middleware accepts what its members read.
  const callOptions = new Set(stack.flatMap((middleware) => middleware.callOptions ?? []))
  if (callOptions.size > 0) composed.callOptions = [...callOptions]
  const attaches = stack.flatMap((middleware) => (middleware.attach ? [middleware.attach] : []))
  if (attaches.length > 0) {
    composed.attach = (host) => {
      for (const attach of attaches) attach(host)
    }
  }
  // Closing the composed middleware closes its members, innermost first, as a client would.
  const flushing = stack.filter((middleware) => middleware.flush !== undefined).reverse()
  if (flushing.length > 0) {
    composed.flush = async () => {
      for (const middleware of flushing) await middleware.flush?.()
    }
  }
  if (flushing.length > 0 || stack.some((middleware) => middleware.close !== undefined)) {
    composed.close = () => closeMiddlewares(stack)
  }
  return composed
}

/**
 * Runs the `prepare` hooks from `index` on, in order; synchronous as long as they are, so a
 * stack whose hooks need no waiting (a fixed token's scope) adds no turn of the event loop.
 */
function prepareFrom(
  prepares: readonly NonNullable<Middleware['prepare']>[],
  index: number,
  ctx: Context,
): void | Promise<void> {
  for (let i = index; i < prepares.length; i++) {
    const result = (prepares[i] as NonNullable<Middleware['prepare']>)(ctx)
    if (result !== undefined) return result.then(() => prepareFrom(prepares, i + 1, ctx))
  }
}
