// Kept free of imports: a usage error is reported without loading the library.

/** The exit codes of `ply`. */
export const EXIT = {
  /** The command did what it was asked. */
  ok: 0,
  /** The API answered with an error, or the network failed. */
  failure: 1,
  /** The command line was wrong: unknown command or option, missing argument, bad value. */
  usage: 2,
  /** Authentication failed, or a credential the command needs is missing. */
  auth: 3,
  /** A rate limit stopped the request. */
  rateLimited: 4,
} as const

/** A mistake on the command line (exit 2); the message is followed by a hint to run `ply --help`. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** A credential the command needs was not given (exit 3); the message says how to give it. */
export class MissingCredentialError extends Error {
  override name = 'MissingCredentialError'
}

/** What the final error line says about a call that failed: which, how many attempts, how long. */
export interface FailedCall {
  readonly method: string
  /** The URL as the client's events give it (credentials redacted). */
  readonly url: string
  readonly attempts: number
  readonly durationMs: number
}

/** An error a command ended with, and the call it came from, so the final line can tell its attempts. */
export class CallFailure extends Error {
  override name = 'CallFailure'
  readonly error: unknown
  readonly call: FailedCall

  constructor(error: unknown, call: FailedCall) {
    super(error instanceof Error ? error.message : String(error))
    this.error = error
    this.call = call
  }
}
