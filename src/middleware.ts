import type { Context } from './context.ts'
import type { Phase } from './phases.ts'

/**
 * Runs the rest of the stack (ending in the transport) and resolves once `ctx.response` is
 * set. Called without an argument it runs for the caller's own context; calls of that kind
 * must not overlap. Given another context (see `detachContext`), it runs the inner stack for
 * that one instead, for work that outlives the call, such as a background refresh.
 */
export type Next = (context?: Context) => Promise<void>

/**
 * A middleware: receives the call's context and `next`, which runs the rest of the stack
 * (ending in the transport) and resolves once `ctx.response` is set. It may skip `next()`
 * and answer itself, call it once, or call it again to replay; calls must not overlap.
 *
 * An optional `prepare(ctx)` runs for every call before the onion starts, outermost first:
 * it is where a middleware states facts that middlewares outside it need before they call
 * `next()` (an auth middleware sets `ctx.state.credentialScope` there, which a cache outside
 * it partitions by).
 */
export interface Middleware {
  (ctx: Context, next: Next): Promise<void>
  prepare?: ((ctx: Context) => void | Promise<void>) | undefined
  /**
   * The per-call options this middleware reads from `ctx.request.options` besides the core's
   * (`retry()` declares `['retry']`). A client accepts a call's option only when the core or
   * one of its middlewares declares it: any other is a `ConfigError`, so that a misspelled
   * option fails rather than being ignored.
   */
  callOptions?: readonly string[] | undefined
  /**
   * Called when the middleware joins a client (`use()`, `new Client(options, middlewares)`, a
   * child of `extend()`), with what the middleware may need to know of that client. It may
   * throw a `ConfigError` to refuse a client it cannot serve (an auth middleware bound to the
   * client's origin refuses one without a `baseUrl`).
   */
  attach?: ((host: MiddlewareHost) => void) | undefined
  /**
   * Where the middleware belongs in a stack, from outside in: `parse`, `cache`, `dedupe`,
   * `retry`, `circuit`, `limit`, `sign` (see `ORDERED_PHASES` in src/phases.ts). Adding a middleware
   * inside one of a later phase (`use(rateLimit()).use(retry())`) is a `ConfigError` naming
   * both and the order that works, checked when middlewares are added, never per call.
   * `observe` (a logger, a tracer) and no phase at all are accepted anywhere, checked against
   * nothing.
   */
  phase?: Phase | undefined
  /** The middleware's name in error messages (`'retry()'`); its function's name otherwise. */
  displayName?: string | undefined
  /**
   * For a middleware that buffers work the calls do not wait for (a cache's background writes
   * and refreshes): resolves once what was started so far has landed. `client.close()` calls
   * it before `close()`; a script may call it to land writes without closing anything.
   */
  flush?: (() => Promise<void>) | undefined
  /**
   * For a middleware that holds something beyond a call (connections, timers, waiting calls):
   * releases it. `client.close()` calls it once per client that owns the middleware, innermost
   * first, after `flush()`. It must be idempotent (a second call resolves as the first did,
   * never rejecting because it is closed already), end the waits it holds (a queued call is
   * settled with an `AbortError`, not left hanging), and leave no timer or socket behind, so
   * the process can exit. A call that reaches the middleware afterwards (one already on the
   * wire that wants another attempt) must settle, not wait.
   */
  close?: (() => Promise<void>) | undefined
}

/** What a middleware learns of the client it joins (see `Middleware.attach`). */
export interface MiddlewareHost {
  /** The origin of the client's `baseUrl`; `undefined` when it has none. */
  readonly baseOrigin: string | undefined
}
