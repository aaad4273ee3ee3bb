import { ConfigError, type Context } from '../../src/index.ts'
import { type MiddlewareHost, redactUrl, summarize } from '../../src/kit.ts'

/**
 * Where a credential may be sent: a list of exact origins (`'https://api.example.com'`, scheme,
 * host and optional port), or a function that says whether an origin (as `URL.origin` writes
 * it) is one.
 */
export type CredentialOrigins = readonly string[] | ((origin: string) => boolean)

/** The options every auth middleware takes to bind its credential to origins. */
export interface OriginOptions {
  /**
   * The origins the credential may go to, instead of the default: the origin of the `baseUrl`
   * of the client that makes the call. A client without a `baseUrl` needs them.
   */
  origins?: CredentialOrigins | undefined
  /**
   * What a call to any other origin does: `'refuse'` (the default) rejects it with a
   * `ConfigError` before anything is sent; `'unsigned'` sends it without the credential. (The
   * same values as the client's own `crossOrigin`, which governs its `secretHeaders`.)
   */
  crossOrigin?: 'refuse' | 'unsigned' | undefined
}

/** Writes the factory's call with `origins` set to `list`, for messages: `auth.bearer(token, { origins: […] })`. */
export type OriginsUsage = (list: string) => string

/**
 * A credential's binding to origins, checked for every call and attempt: its origin set is
 * computed once, so the check is a string compare or a `Set` lookup (or one call of the
 * user's function).
 */
export class OriginBinding {
  readonly #factory: string
  readonly #usage: OriginsUsage
  readonly #listed: ReadonlySet<string> | undefined
  readonly #accepts: ((origin: string) => boolean) | undefined
  readonly #unsigned: boolean

  /**
   * @param factory - the factory, as messages name it (`'auth.bearer()'`)
   * @param usage - how the factory is written with `origins`, for messages (never with the secret)
   * @throws {ConfigError} for an `origins` entry that is not an http(s) origin, or a bad `crossOrigin`
   */
  constructor(factory: string, usage: OriginsUsage, options: OriginOptions) {
    this.#factory = factory
    this.#usage = usage
    const { origins, crossOrigin } = options
    if (typeof origins === 'function') this.#accepts = origins
    else if (origins !== undefined) this.#listed = new Set(checkOrigins(factory, origins))
    if (crossOrigin !== undefined && crossOrigin !== 'refuse' && crossOrigin !== 'unsigned') {
      throw new ConfigError(`${factory}: crossOrigin must be 'refuse' or 'unsigned', got ${String(crossOrigin)}`)
    }
    this.#unsigned = crossOrigin === 'unsigned'
  }

  /**
   * For `Middleware.attach`: a credential bound by default to its client's origin refuses a
   * client without a `baseUrl`, where it would be bound to nothing.
   */
  attach(host: MiddlewareHost): void {
    if (this.#listed !== undefined || this.#accepts !== undefined || host.baseOrigin !== undefined) return
    throw new ConfigError(
      `${this.#factory}: the client has no baseUrl, so this credential is bound to no origin; ` +
        `name the origins it may go to: ${this.#usage("['https://api.example.com']")}`,
    )
  }

  /**
   * Whether this call is to be signed: `true` when its request goes to an origin the
   * credential is bound to, `false` when it does not and the credential allows unsigned
   * calls elsewhere.
   *
   * @throws {ConfigError} when the request goes elsewhere and such calls are refused
   */
  signs(ctx: Context): boolean {
    const url = ctx.request.peekUrl()
    const origin = url.origin
    if (this.#listed !== undefined) {
      if (this.#listed.has(origin)) return true
    } else if (this.#accepts !== undefined) {
      if (this.#accepts(origin) === true) return true
    } else if (origin === ctx.baseOrigin) {
      return true
    }
    if (this.#unsigned) return false
    throw this.#refusal(ctx, url, origin)
  }

  #refusal(ctx: Context, url: URL, origin: string): ConfigError {
    let bound: string
    let widen: string
    if (this.#listed !== undefined) {
      bound = [...this.#listed].join(', ')
      widen = `name it in origins: ${this.#usage(listOf([...this.#listed, origin]))}`
    } else if (this.#accepts !== undefined) {
      bound = 'the origins its origins function accepts'
      widen = 'make its origins function accept it'
    } else if (ctx.baseOrigin !== undefined) {
      bound = `${ctx.baseOrigin} (the client's baseUrl)`
      widen = `name both in origins: ${this.#usage(listOf([ctx.baseOrigin, origin]))}`
    } else {
      bound = 'no origin (the client has no baseUrl)'
      widen = `name it in origins: ${this.#usage(listOf([origin]))}`
    }
    return new ConfigError(
      `${this.#factory}: the call goes to ${origin}, but this credential is bound to ${bound}; nothing was sent. ` +
        `To sign calls to ${origin}, ${widen}; to send them without the credential, set crossOrigin: 'unsigned'`,
      { request: summarize(ctx.request.method, url) },
    )
  }
}

/** `['https://a', 'https://b']`, as the list would be written in code. */
function listOf(origins: readonly string[]): string {
  return `[${origins.map((origin) => `'${origin}'`).join(', ')}]`
}

/** Each entry as `URL.origin` writes it; an entry that is not an http(s) origin is a `ConfigError` naming it. */
function checkOrigins(factory: string, origins: unknown): string[] {
  if (!Array.isArray(origins)) {
    throw new ConfigError(`${factory}: origins must be a list of origins or a function, got ${typeof origins}`)
  }
  if (origins.length === 0) {
    throw new ConfigError(
      `${factory}: origins is empty, so the credential could go nowhere; name at least one origin, or leave origins out to bind it to the client's baseUrl`,
    )
  }
  return origins.map((entry: unknown, index) => {
    const problem = originProblem(entry)
    if (problem === undefined) return new URL(entry as string).origin
    // As written, but without user info, which may hold a password.
    const text = problem === USER_INFO ? redactUrl(entry as string) : entry
    const shown = typeof text === 'string' ? `'${text}'` : typeof text
    throw new ConfigError(
      `${factory}: origins[${index}] ${shown} is not an origin (${problem}); write it as 'https://api.example.com' (scheme, host and optional port)`,
    )
  })
}

const USER_INFO = 'it has user info'

/** Why `entry` is not an absolute http(s) origin; `undefined` when it is one. */
function originProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return 'not a string'
  let url: URL
  try {
    url = new URL(entry)
  } catch {
    return 'not an absolute URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${url.protocol} is not http: or https:`
  if (url.username !== '' || url.password !== '') return USER_INFO
  // A trailing `/` is tolerated; anything after the host and port is not.
  if (url.pathname !== '/') return 'it has a path'
  if (/[?#]/.test(entry)) return 'it has a query or a fragment'
  return undefined
}
