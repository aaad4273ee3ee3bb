import type { Context } from './context.ts'
import { type ApiResponse, apiResponseOf, httpErrorOf, parseResponse } from './response.ts'

/** Where a call puts the real (unredacted) URL that answered, for `paginate()`. */
export interface UrlSink {
  url: string
}

/**
 * Turns the response the stack settled on into an `ApiResponse`, or an `HttpError` when it
 * is not ok and `throwHttpErrors` holds. `sink` receives the real URL that answered, which
 * `ApiResponse.url` shows redacted.
 */
export function answerOf<R>(
  ran: Promise<Response>,
  ctx: Context,
  throwHttpErrors: boolean,
  startedAt: number,
  sink: UrlSink | undefined,
): Promise<ApiResponse<R>> {
  // Not async: while the request is out, the call holds a callback rather than a frame.
  return ran.then((response) => {
    if (sink !== undefined) sink.url = response.url || ctx.request.peekUrl().href
    const finish = (data: unknown): ApiResponse<R> => {
      if (!response.ok && throwHttpErrors) {
        const error = httpErrorOf(ctx, response, data)
        if (ctx.state.attemptCauses !== undefined) error.attemptCauses = ctx.state.attemptCauses
        throw error
      }
      return apiResponseOf(ctx, response, data as R, startedAt)
    }
    return ctx.parsed ? finish(ctx.parsed.data) : parseResponse(ctx, response).then(finish)
  })
}
