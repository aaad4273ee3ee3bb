import type { Context, Middleware } from '../src/index.ts'
import { optionNames, parseResponse, rejectUnknownOptions } from '../src/kit.ts'

/** Options of `parse()`. */
export interface ParseOptions {
  /** Parses JSON text; `JSON.parse` by default (swap in a reviver or a BigInt-aware parser). */
  parseJson?: (text: string) => unknown
}

const PARSE_OPTIONS = optionNames<ParseOptions>()(['parseJson'])

/**
 * Parses the response body into `ctx.parsed.data` by content type: JSON (`application/json`
 * and `+json` types) is parsed, text types become a string, other types a `Uint8Array`; an
 * empty body, 204, 205 and the answer to HEAD give `undefined`. A 2xx body that is not the
 * JSON it claims to be is a `ParseError` naming the call (method and redacted URL), the content
 * type and the position, and a call's `schema` (any Standard Schema: zod, valibot, arktype)
 * validates it. Error bodies are parsed leniently for the `HttpError`.
 *
 * Without `parse()` the client parses at its edge with the same defaults; put `parse()` in the
 * stack to configure parsing, or so that middlewares outside it see the data and its errors.
 * It leaves the body unread for `client.fetch()`.
 */
export function parse(options: ParseOptions = {}): Middleware {
  rejectUnknownOptions('parse()', options, PARSE_OPTIONS)
  const { parseJson } = options
  const parseInto = (ctx: Context): Promise<void> | undefined => {
    if (ctx.raw || ctx.response === undefined) return undefined
    return parseResponse(ctx, ctx.response, parseJson).then((data) => {
      ctx.parsed = { data }
    })
  }
  // Not async: while the call waits for the network, it holds a callback, not a frame.
  const middleware: Middleware = (ctx, next) => next().then(() => parseInto(ctx))
  middleware.phase = 'parse'
  middleware.displayName = 'parse()'
  return middleware
}
