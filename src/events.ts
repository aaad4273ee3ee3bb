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

/**
 * What middlewares add to a call's summary (the `response` event and `log()`'s line): empty
 * in the core. A middleware declares its facts by augmenting this interface, each optional
 * (`declare module 'ply-http' { interface CallFacts { rateLimitWaitMs?: number } }`), and
 * writes them into `ctx.facts`. A fact cannot replace one of the summary's own fields.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging
export interface CallFacts {}

/** What a call came to: the `response` event's fields besides the call's id, method and URL. */
export interface CallSummary extends CallFacts {
  /** The final status; `undefined` when the call failed without a response. */
  readonly status: number | undefined
  /** Milliseconds from the call's start until it settled (waits and retries included). */
  readonly durationMs: number
  readonly cacheStatus: CacheStatus
  /** Transport calls made for this call (0 when a cache or a shared call answered). */
  readonly attempts: number
  /** Why the call failed: an `HttpError` for a rejected status, or a network, timeout, abort … error. */
  readonly error: PlyError | undefined
}

/** A call settled: with a response (any status), or with an error and no response. */
export interface ResponseEvent extends CallEvent, CallSummary {}

/**
 * The client's events and what each listener receives (`client.on(name, listener)`). The
 * core's are `request` and `response`; a middleware adds its own by augmenting this interface
 * (`retry()` adds `retry`, `rateLimit()` `rateLimited`, `cache()` `cacheHit`).
 */
export interface ClientEvents {
  request: RequestEvent
  response: ResponseEvent
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
