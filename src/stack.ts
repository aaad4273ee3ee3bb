import { CORE_CALL_OPTIONS, collectCallOptions } from './call-options.ts'
import { assertMiddleware, compose } from './compose.ts'
import type { Context, Quota, QuotaKeeper } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'
import type { Middleware, MiddlewareHost, Next } from './middleware.ts'
import { checkPlacement } from './phase-order.ts'

/**
 * A client's middlewares, in Koa's order (first added is outermost), with the per-call options
 * they declare, composed into one onion on the first call after a change.
 */
export class MiddlewareStack {
  readonly #middlewares: Middleware[]
  readonly #host: MiddlewareHost
  /** The per-call options a call may give: the core's, and those the middlewares declare. */
  readonly #callOptions = new Set<string>(CORE_CALL_OPTIONS)
  #composed: Middleware | undefined

  /**
   * @param middlewares The stack to start with, outermost first; the array is copied.
   * @param host What each middleware's `attach` hook learns of the client.
   * @throws {ConfigError} when `middlewares` is not an array of functions, their phases are
   *   out of order (see src/phases.ts), one of them declares malformed `callOptions`, or one
   *   refuses the client in its `attach` hook.
   */
  constructor(middlewares: readonly Middleware[], host: MiddlewareHost) {
    this.#host = host
    if (!Array.isArray(middlewares)) {
      const got = middlewares === null ? 'null' : typeof middlewares
      throw new ConfigError(`new Client(options, middlewares): middlewares must be an array, got ${got}`)
    }
    middlewares.forEach((middleware, index) => {
      const where = `new Client(): middlewares[${index}]`
      assertMiddleware(middleware, where)
      checkPlacement(middlewares.slice(0, index), middleware, where, 'put')
      collectCallOptions(this.#callOptions, middleware, where)
      middleware.attach?.(host)
    })
    this.#middlewares = [...middlewares]
  }

  /** The middlewares, outermost first: a read-only view. */
  get middlewares(): readonly Middleware[] {
    return this.#middlewares
  }

  /** The per-call options a call may give: the core's and the middlewares'. A read-only view. */
  get callOptions(): ReadonlySet<string> {
    return this.#callOptions
  }

  /**
   * Adds a middleware inside the others; `where` names the caller in a `ConfigError`.
   *
   * @throws {ConfigError} when it is not a function, its phase must be outside one already
   *   added (see src/phases.ts), or it refuses the client in its `attach` hook.
   */
  add(middleware: Middleware, where: string): void {
    assertMiddleware(middleware, where)
    checkPlacement(this.#middlewares, middleware, where, 'use')
    collectCallOptions(this.#callOptions, middleware, where)
    middleware.attach?.(this.#host)
    this.#middlewares.push(middleware)
    this.#composed = undefined
  }

  /** What the innermost middleware that keeps quotas (`rateLimit()`) last learnt; `undefined` when none does. */
  quota(group?: string): Quota | undefined {
    for (let i = this.#middlewares.length - 1; i >= 0; i--) {
      const keeper = this.#middlewares[i] as Middleware & Partial<QuotaKeeper>
      if (typeof keeper.quota === 'function') return keeper.quota(group)
    }
    return undefined
  }

  /**
   * Runs `ctx` through the middlewares (their `prepare` hooks first), with `last` (the
   * transport) innermost, and resolves to the response the stack settled on.
   *
   * @throws {PlyError} when the stack settles without a response.
   */
  run(ctx: Context, last: Next): Promise<Response> {
    this.#composed ??= compose(this.#middlewares)
    const stack = this.#composed
    const prepared = stack.prepare?.(ctx)
    const ran = prepared === undefined ? stack(ctx, last) : prepared.then(() => stack(ctx, last))
    return ran.then(() => {
      if (ctx.response === undefined) {
        throw new PlyError(
          'the middleware stack settled without a response: a middleware neither called next() nor answered',
        )
      }
      return ctx.response
    })
  }
}
