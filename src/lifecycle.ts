import { ConfigError } from './errors.ts'
import type { Middleware } from './middleware.ts'

/**
 * A call on a client after its `close()` started (or its parent's, for a child of
 * `extend()`): nothing was sent. A `ConfigError`, since the call is a mistake of the program
 * rather than a failure of the request.
 */
export class ClientClosedError extends ConfigError {
  override name = 'ClientClosedError'
}

/**
 * Ends what `middlewares` hold, innermost (last added) first, one at a time: for each, its
 * `flush()` and then its `close()`, awaited. A middleware that appears twice is closed once.
 * One that fails does not stop the others: once all are done, the promise rejects with its
 * error (an `AggregateError` when several failed).
 */
export async function closeMiddlewares(middlewares: readonly Middleware[]): Promise<void> {
  const failures: unknown[] = []
  const done = new Set<Middleware>()
  for (let i = middlewares.length - 1; i >= 0; i--) {
    const middleware = middlewares[i] as Middleware
    if (done.has(middleware)) continue
    done.add(middleware)
    try {
      await middleware.flush?.()
      await middleware.close?.()
    } catch (error) {
      failures.push(error)
    }
  }
  if (failures.length === 1) throw failures[0]
  if (failures.length > 1) throw new AggregateError(failures, `${failures.length} middlewares failed to close`)
}

/**
 * Whether a client is open, and its one closing. A child of `extend()` is closed when its
 * parent is, but closes only the middlewares it added itself: those it inherited belong to
 * the parent, which other children may still be using.
 */
export class Lifecycle {
  /** Set as `close()` starts: every later call is refused. Checked once per call. */
  #closed = false
  #closing: Promise<void> | undefined
  readonly #parent: Lifecycle | undefined
  readonly #inherited: ReadonlySet<Middleware>

  /** `parent` and `inherited`: for a child of `extend()`, its parent's and the middlewares it started with. */
  constructor(parent?: Lifecycle, inherited: readonly Middleware[] = []) {
    this.#parent = parent
    this.#inherited = new Set(inherited)
  }

  /** Whether calls are refused: this client, or one it was extended from, was closed. */
  get closed(): boolean {
    return this.#closed || this.#parent?.closed === true
  }

  /** The error a call made on a closed client rejects with; `where` names the call. */
  refusal(where: string): ClientClosedError {
    const whose = this.#closed ? 'the client' : 'the client it was extended from'
    return new ClientClosedError(`${where}: ${whose} was closed; create a new client to make calls`)
  }

  /**
   * Refuses calls from now on and closes the middlewares of `stack` this client owns,
   * innermost first. Every call returns the same promise.
   */
  close(stack: readonly Middleware[]): Promise<void> {
    if (this.#closing === undefined) {
      this.#closed = true
      this.#closing = closeMiddlewares(stack.filter((middleware) => !this.#inherited.has(middleware)))
    }
    return this.#closing
  }
}
