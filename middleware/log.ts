import { type CallSummary, ConfigError, type Context, type Middleware, PlyError } from '../src/index.ts'
import { callSummary, optionNames, redactText, redactUrl, rejectUnknownOptions } from '../src/kit.ts'

/**
 * The structured line `log()` writes for one call: the call's summary, as the client's
 * `response` event carries it (`CallSummary`, with the facts middlewares add such as
 * `rateLimitWaitMs`), with the duration rounded to 0.1 ms and the error as redacted text.
 */
export interface LogEntry extends Omit<CallSummary, 'error'> {
  readonly method: string
  /** The URL with passwords and secret query parameters masked. */
  readonly url: string
  /** `Name: message` of the error the call failed with, redacted; absent on success. */
  readonly error?: string
}

/** The level a line is written at: `info` for 1xx–3xx, `warn` for 4xx–5xx, `error` when no response came. */
export type LogLevel = 'info' | 'warn' | 'error'

/**
 * A structured logger in pino's (and bunyan's) shape: `logger.info(object, message)`. Pass
 * a pino logger as it is.
 */
export interface StructuredLogger {
  info(entry: LogEntry, message: string): void
  warn?(entry: LogEntry, message: string): void
  error?(entry: LogEntry, message: string): void
  /** pino's: when it says a level is off, `log()` skips building the line. */
  isLevelEnabled?(level: string): boolean
}

/** Options of `log()`. Without any, each line goes to `console` as text. */
export interface LogOptions {
  /** A structured logger (pino): gets the entry as an object and a one-line message. */
  logger?: StructuredLogger | Console
  /** Takes every line instead of a logger: the entry, its level and the one-line message. */
  write?: (entry: LogEntry, level: LogLevel, message: string) => void
}

const LOG_OPTIONS = optionNames<LogOptions>()(['logger', 'write'])

/**
 * Writes one structured line per call: method, redacted URL, and the call's summary (status,
 * duration, cache status, attempts, the facts middlewares add such as `rateLimitWaitMs`, and
 * the error when the call failed), the same summary the client's `response` event carries. Add it first, outermost,
 * so that its line covers cache hits, every retry and every wait; placed further in, it sees
 * only what reaches it.
 *
 * By default the line goes to `console` as text (`GET https://… 200 12.3 ms cache=miss
 * attempts=1 rateLimitWaitMs=0`); `{ logger: pino() }` gives pino the entry as an object with that
 * text as the message; `{ write }` takes the line anywhere else.
 */
export function log(options: LogOptions = {}): Middleware {
  rejectUnknownOptions('log()', options, LOG_OPTIONS)
  const write = writerOf(options)
  const enabled = enabledOf(options.logger)
  const middleware: Middleware = async (ctx, next) => {
    const startedAt = performance.now()
    try {
      await next()
    } catch (error) {
      report(ctx, startedAt, error)
      throw error
    }
    report(ctx, startedAt, undefined)
  }
  // Outermost it logs each call once; inside retry() each attempt: both are right, so its
  // phase is checked against nothing.
  middleware.phase = 'observe'
  middleware.displayName = 'log()'
  return middleware

  function report(ctx: Context, startedAt: number, error: unknown): void {
    const level = levelOf(ctx.response?.status, error !== undefined)
    if (!enabled(level)) return
    const entry = entryOf(ctx, startedAt, error)
    write(entry, level, lineOf(entry))
  }
}

function entryOf(ctx: Context, startedAt: number, error: unknown): LogEntry {
  const failure = error === undefined ? undefined : asPlyError(error)
  const { error: _failure, ...summary } = callSummary(ctx, startedAt, failure)
  const entry: LogEntry = {
    method: ctx.request.method,
    url: redactUrl(ctx.request.peekUrl()),
    ...roundedNumbers(summary),
  }
  return error === undefined ? entry : { ...entry, error: describe(error) }
}

/**
 * The summary with its numbers rounded to 0.1 (a whole status or count is unchanged) and the
 * facts no middleware set left out; `status` stays, `undefined` without a response.
 */
function roundedNumbers<T extends object>(summary: T): T {
  const rounded: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(summary)) {
    if (value !== undefined || name === 'status') rounded[name] = typeof value === 'number' ? round(value) : value
  }
  return rounded as T
}

const round = (value: number): number => Math.round(value * 10) / 10

function asPlyError(error: unknown): PlyError {
  return error instanceof PlyError ? error : new PlyError('the call failed', { cause: error })
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return redactText(text)
}

function levelOf(status: number | undefined, failed: boolean): LogLevel {
  if (status === undefined) return failed ? 'error' : 'info'
  return status >= 400 || failed ? 'warn' : 'info'
}

/** The entry as one line of text: what a person reads in a console, and pino's `msg`. */
export function lineOf(entry: LogEntry): string {
  const { method, url, status, durationMs, cacheStatus, attempts, error, ...facts } = entry
  let line = `${method} ${url} ${status === undefined ? 'no response' : status} ${durationMs} ms cache=${cacheStatus} attempts=${attempts}`
  // The facts middlewares added, in the order they added them.
  for (const [name, value] of Object.entries(facts)) if (value !== undefined) line += ` ${name}=${factText(value)}`
  return error === undefined ? line : `${line} error=${JSON.stringify(error)}`
}

function factText(value: unknown): string {
  return typeof value === 'number' ? String(round(value)) : JSON.stringify(value)
}

function writerOf(options: LogOptions): NonNullable<LogOptions['write']> {
  const { logger, write } = options
  if (write !== undefined && logger !== undefined) throw new ConfigError('log(): give a logger or write, not both')
  if (write !== undefined) {
    if (typeof write !== 'function') throw new ConfigError('log(): write must be a function (entry, level, message)')
    return write
  }
  if (logger === undefined || logger === console) return consoleWriter
  if (typeof logger !== 'object' || logger === null || typeof logger.info !== 'function') {
    throw new ConfigError('log(): logger must have an info(entry, message) method, as pino has')
  }
  const structured = logger as StructuredLogger
  return (entry, level, message) => {
    const method = structured[level] ?? structured.info
    method.call(structured, entry, message)
  }
}

const consoleWriter: NonNullable<LogOptions['write']> = (_entry, level, message) => {
  console[level](message)
}

/** Asks a pino-like logger whether a level is on; any other writer takes every line. */
function enabledOf(logger: LogOptions['logger']): (level: LogLevel) => boolean {
  if (logger === undefined || logger === console) return () => true
  const check = (logger as StructuredLogger).isLevelEnabled
  if (typeof check !== 'function') return () => true
  return (level) => check.call(logger, level)
}
