import { ConfigError, type Context, type Middleware } from '../../src/index.ts'
import { type MiddlewareHost, redactText, summarize } from '../../src/kit.ts'
import type { Circuit, Transition } from './circuit.ts'
import { Circuits } from './circuits.ts'
import { CircuitOpenError } from './error.ts'
import { type CircuitBreakerOptions, type CircuitReason, type CircuitSnapshot, circuitSettings } from './options.ts'
import { type Outcome, outcomeOfError, outcomeOfResponse } from './outcome.ts'
import type { ProbeClaim, SharedCircuits } from './shared.ts'

export { CircuitOpenError } from './error.ts'
export type {
  CircuitBreakerOptions,
  CircuitEvent,
  CircuitReason,
  CircuitSnapshot,
  CircuitState,
} from './options.ts'
export type { FleetState, ProbeClaim, SharedCircuits, SharedCircuitsSource } from './shared.ts'

/** The middleware `circuitBreaker()` returns, with a view of its breakers and a way to stop. */
export interface CircuitBreakerMiddleware extends Middleware {
  /**
   * Where the breaker of `key` stands: the key the `key` option gives (the origin by default,
   * `https://api.example.com`), or without one the origin of the client's `baseUrl`. A key
   * never called is closed.
   * @throws {ConfigError} without a key, when the breaker joined no client with a `baseUrl`.
   */
  state(key?: string): CircuitSnapshot
  /**
   * Closes the connections of shared mode (what `client.close()` calls); the breakers go on
   * in this process alone. Idempotent.
   */
  close(): Promise<void>
}

/** Why a breaker is open, as its refusals say (consecutive failures are counted instead). */
const OPENED_FOR: Partial<Record<CircuitReason, string>> = {
  ratio: 'its failure ratio was reached',
  'probe-failed': 'its probe failed',
  shared: 'another process sharing it opened it',
}

/** Longest a process holds the fleet's probe, and waits before asking again while another process probes. */
const MAX_PROBE_HOLD_MS = 1_000

/**
 * Stops calling an origin that keeps failing. Each key (the request's origin by default, or
 * what `key(ctx)` returns) has a breaker: it opens after `failures` consecutive failures
 * (network errors, an attempt's timeout, 5xx), or when `failureRatio` of the calls over
 * `windowMs` failed. While open, a call is refused at once with a `CircuitOpenError` saying
 * when it may close, and nothing is sent. After `openMs`, one call goes out as the probe
 * (half-open; the others are still refused): its success closes the breaker, its failure opens
 * it again (for twice as long, up to `maxOpenMs`). A 429, the caller's abort and a deadline
 * that ran out count neither way.
 *
 * Its phase is `circuit`: place it inside `retry()` (which then waits for a refusing breaker
 * to let calls through when that is within its `maxRetryAfter` and the call's deadline, and
 * fails at once otherwise) and outside the rate limiter (a refused call takes no slot).
 *
 * Reports each change of state as the client's `circuit` event, on the call during which it
 * happened; `state(key)` reads one breaker. With `shared: redisConnection({ url, id })` (from
 * `ply-http/redis`), every process with that id stops together: an opening is broadcast, and
 * the fleet sends one probe. `close()` (what `client.close()` calls) closes those connections.
 */
export function circuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreakerMiddleware {
  const settings = circuitSettings(options)
  const circuits = new Circuits(settings)
  const shared: SharedCircuits | undefined = options.shared?.sharedCircuits()
  const keyOf = settings.key ?? ((ctx: Context) => ctx.request.peekUrl().origin)
  let baseOrigin: string | undefined
  let closed: Promise<void> | undefined

  /** Tells the call's listeners, and in shared mode the other processes, of a change. */
  const report = (ctx: Context, circuit: Circuit, change: Transition | undefined): void => {
    if (change === undefined) return
    if (ctx.events.listens('circuit')) ctx.events.emit('circuit', { key: redactText(circuit.key), ...change })
    if (shared === undefined || change.reason === 'shared') return
    if (change.to === 'open') shared.opened(circuit.key, change.openMs ?? settings.openMs)
    else if (change.to === 'closed') shared.closed(circuit.key)
  }

  const settle = (ctx: Context, circuit: Circuit, generation: number, outcome: Outcome): void => {
    if (outcome === 'success') report(ctx, circuit, circuit.succeeded(generation))
    else if (outcome === 'failure') report(ctx, circuit, circuit.failed(generation))
    else circuit.neutral(generation)
  }

  /** Sends the call through, and counts what came of it for the state that let it through. */
  const send = (ctx: Context, next: () => Promise<void>, circuit: Circuit): Promise<void> => {
    const generation = circuit.generation
    return next().then(
      () => settle(ctx, circuit, generation, outcomeOfResponse(ctx, settings.isFailure)),
      (error: unknown) => {
        settle(ctx, circuit, generation, outcomeOfError(ctx, error))
        throw error
      },
    )
  }

  const refuse = (ctx: Context, circuit: Circuit, now: number): Promise<never> => {
    const key = redactText(circuit.key)
    const request = summarize(ctx.request.method, ctx.request.peekUrl())
    const open = circuit.state === 'open' && !circuit.probing
    const resetAt = new Date(open ? circuit.openUntil : now)
    const why = open
      ? `is open (${OPENED_FOR[circuit.openedFor] ?? `${circuit.failures} consecutive failures`}); it lets a probe through at ${resetAt.toISOString()}`
      : 'is half-open: its one probe is in flight'
    return Promise.reject(
      new CircuitOpenError(
        `the circuit breaker for ${key} ${why}; nothing was sent (${request.method} ${request.url})`,
        {
          key,
          state: open ? 'open' : 'half-open',
          resetAt,
          retryAfterMs: Math.max(0, resetAt.getTime() - now),
          request,
        },
      ),
    )
  }

  /** An open breaker whose time has passed, in shared mode: the fleet decides who probes. */
  const claim = (ctx: Context, next: () => Promise<void>, circuit: Circuit, fleet: SharedCircuits): Promise<void> => {
    circuit.probing = true
    const generation = circuit.generation
    const holdMs = Math.min(settings.openMs, MAX_PROBE_HOLD_MS)
    // A store that fails to answer is no answer: this process probes on its own (fail safe).
    const claimed = fleet
      .claimProbe(circuit.key, Math.max(settings.openMs, MAX_PROBE_HOLD_MS))
      .catch((): ProbeClaim => ({ probe: true }))
    return claimed.then((answer) => {
      const now = Date.now()
      // Fleet news adopted meanwhile (another process opened or closed it) decides instead.
      if (circuit.generation !== generation) return run(ctx, next, circuit)
      circuit.probing = false
      if (answer.probe) {
        report(ctx, circuit, circuit.halfOpen(now))
        return send(ctx, next, circuit)
      }
      circuit.openUntil = now + (answer.openMs ?? holdMs)
      return refuse(ctx, circuit, now)
    })
  }

  /** Lets the call through, refuses it, or sends it as the probe. */
  const run = (ctx: Context, next: () => Promise<void>, circuit: Circuit): Promise<void> => {
    if (shared !== undefined) {
      const fleet = shared.fleet(circuit.key)
      if (fleet !== undefined && fleet.at > circuit.changedAt) report(ctx, circuit, circuit.adopt(fleet, Date.now()))
    }
    if (circuit.state === 'closed') return send(ctx, next, circuit)
    const now = Date.now()
    if (circuit.state === 'half-open') {
      if (circuit.probing) return refuse(ctx, circuit, now)
      // The last probe said nothing (a 429, an abort): this call is the next one.
      circuit.probing = true
      return send(ctx, next, circuit)
    }
    if (now < circuit.openUntil || circuit.probing) return refuse(ctx, circuit, now)
    if (shared !== undefined) return claim(ctx, next, circuit, shared)
    report(ctx, circuit, circuit.halfOpen(now))
    return send(ctx, next, circuit)
  }

  // Not async: a closed breaker (the common case) costs a key, a lookup and one then().
  const middleware = (ctx: Context, next: () => Promise<void>): Promise<void> => {
    const circuit = circuits.get(keyOf(ctx))
    const looking = shared?.firstLook(circuit.key)
    if (looking !== undefined) {
      const go = () => run(ctx, next, circuit)
      return looking.then(go, go)
    }
    return run(ctx, next, circuit)
  }

  return Object.assign(middleware, {
    phase: 'circuit' as const,
    displayName: 'circuitBreaker()',
    attach: (host: MiddlewareHost) => {
      baseOrigin ??= host.baseOrigin
    },
    state: (key?: string): CircuitSnapshot => {
      const wanted = key ?? baseOrigin
      if (wanted === undefined) {
        throw new ConfigError(
          'circuitBreaker().state(): name a key (the origin by default); the breaker joined no client with a baseUrl',
        )
      }
      const fleet = shared?.fleet(wanted)
      const circuit = circuits.peek(wanted)
      if (circuit !== undefined) return circuit.snapshot(fleet, Date.now())
      const open = fleet !== undefined && fleet.openUntil > Date.now()
      return {
        key: wanted,
        state: open ? 'open' : 'closed',
        failures: 0,
        resetAt: open ? new Date(fleet.openUntil) : undefined,
      }
    },
    close: (): Promise<void> => {
      closed ??= shared === undefined ? Promise.resolve() : shared.close()
      return closed
    },
  })
}
