import type { CacheStatus } from './cache-status.ts'
import type { PlyError } from './errors.ts'
import { redactUrl } from './redact.ts'

/** What every event says about the call it belongs to. */
export interface CallEvent {
  /** Numbers the client's calls from 1, so that one call's events can be told apart. */
  readonly id: number
  /** The HTTP method, upper-case. */
  readonly method: string
  /** The URL, with passwords and secret query parameters masked. */
  readonly url: string
}

/** A call entered the stack. */
export type RequestEvent = CallEvent

/** A call settled: with a response (any status), or with an error and no response. */
export interface ResponseEvent extends CallEvent {
  /** The final status; `undefined` when the call failed without a response. */
  readonly status: number | undefined
  /** Milliseconds from the call's start until it settled (waits and retries included). */
  readonly durationMs: number
  readonly cacheStatus: CacheStatus
  /** Transport calls made for this call (0 when a cache or a shared call answered). */
  readonly attempts: number
  /** Milliseconds the call spent waiting for a rate limiter (`ctx.state.rateLimitWaitMs`). */
  readonly rateLimitWaitMs: number
  /** Why the call failed: an `HttpError` for a rejected status, or a network, timeout, abort … error. */
  readonly error: PlyError | undefined
}

/** A retrying middleware is about to wait `delayMs`, then try again. */
export interface RetryingEvent extends CallEvent {
  /** The attempt that failed, from 1. */
  readonly attempt: number
  readonly delayMs: number
  /** The status that is retried, when an HTTP response was the failure. */
  readonly status?: number | undefined
  /** The error that is retried, when no response came. */
  readonly error?: PlyError | undefined
}

/** A rate limiter holds the call before its next attempt. */
export interface RateLimitedEvent extends CallEvent {
  /** The limiter's group the call belongs to. */
  readonly group: string
  /**
   * The expected wait (0 when it waits for a concurrency slot, which has no schedule); for a
   * limiter shared through Redis, the wait it had, reported when the call starts.
   */
  readonly waitMs: number
  /** Why it waits: `'window'`, `'concurrency'`, `'server'` (the server said so), `'pace'` or `'shared'`. */
  readonly reason: string
}

/** A cache answered the call, fresh, stale or after a 304. */
export interface CacheHitEvent extends CallEvent {
  readonly cacheStatus: Exclude<CacheStatus, 'miss' | 'bypass'>
}

/** The client's events and what each listener receives (`client.on(name, listener)`). */
export interface ClientEvents {
  request: RequestEvent
  response: ResponseEvent
  retry: RetryingEvent
  rateLimited: RateLimitedEvent
  cacheHit: CacheHitEvent
}

/** The name of a client event. */
export type ClientEventName = keyof ClientEvents

/** Listens to one client event. */
export type ClientListener<K extends ClientEventName> = (event: ClientEvents[K]) => void

/** What a middleware adds to an event: everything but the call's `id`, `method` and `url`. */
export type EventDetail<K extends ClientEventName> = Omit<ClientEvents[K], keyof CallEvent>

/**
 * How middlewares report what they did (`ctx.events.emit('retry', { … })`). It fills in the
 * call's id, method and URL; with no listener it does nothing and costs a function call.
 */
export interface CallEvents {
  /** Whether anyone listens to `name`: lets a middleware skip building a costly detail. */
  listens(name: ClientEventName): boolean
  emit<K extends ClientEventName>(name: K, detail: EventDetail<K>): void
}

/** The events of a call nobody listens to. */
export const SILENT: CallEvents = Object.freeze({
  listens: () => false,
  emit: () => undefined,
})

/**
 * A client's listeners. A listener that throws does not fail the call: its error is thrown
 * again on a later turn of the event loop (an `uncaughtException`), as `EventTarget` does, so
 * that a bug in a listener is seen and not swallowed.
 */
export class ClientEmitter {
  readonly #listeners = new Map<ClientEventName, Set<ClientListener<ClientEventName>>>()
  #nextId = 1

  on<K extends ClientEventName>(name: K, listener: ClientListener<K>): void {
    const set = this.#listeners.get(name) ?? new Set()
    set.add(listener as ClientListener<ClientEventName>)
    this.#listeners.set(name, set)
  }

  off<K extends ClientEventName>(name: K, listener: ClientListener<K>): void {
    const set = this.#listeners.get(name)
    set?.delete(listener as ClientListener<ClientEventName>)
    if (set?.size === 0) this.#listeners.delete(name)
  }

  /** The events of one new call; `SILENT` while the client has no listener at all. */
  forCall(method: string, url: () => URL): CallEvents {
    if (this.#listeners.size === 0) return SILENT
    const listeners = this.#listeners
    const id = this.#nextId++
    let call: CallEvent | undefined
    return {
      listens: (name) => listeners.has(name),
      emit(name, detail) {
        const set = listeners.get(name)
        if (set === undefined) return
        call ??= { id, method, url: redactUrl(url()) }
        const event = { ...call, ...detail } as ClientEvents[typeof name]
        for (const listener of [...set]) {
          try {
            listener(event)
          } catch (error) {
            queueMicrotask(() => {
              throw error
            })
          }
        }
      },
    }
  }
}
