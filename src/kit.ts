/**
 * The core's part of `ply-http/kit`: what a middleware author needs and application code
 * does not (context helpers, deadlines, body readers, redaction, option checks). The entry
 * itself is middleware/kit.ts, which adds the helpers the shipped middlewares share.
 *
 * @module
 */
export { type BodyParseOptions, isJsonType, mediaType, parseBody } from './body.ts'
export { type BodyReadOptions, type BoundedBody, readBytes, readBytesUpTo } from './body-read.ts'
export { callSummary } from './call-report.ts'
export { detachContext, PlyRequest, type QuotaKeeper } from './context.ts'
export { attemptBudget, deadlineError, remainingTime } from './deadline.ts'
export type { PlyErrorOptions } from './errors.ts'
export { type CallEvents, type EventDetail, SILENT } from './events.ts'
export { describeFailure } from './failure.ts'
export { isConditional } from './headers.ts'
export type { MiddlewareHost } from './middleware.ts'
export {
  closestName,
  type OptionName,
  optionNames,
  rejectUnknownCallOptions,
  rejectUnknownOptions,
} from './options.ts'
export {
  isSecretHeader,
  isSecretQueryParam,
  mayHoldSecretParam,
  redactHeader,
  redactHeaders,
  redactMessage,
  redactQueryParam,
  redactUrl,
  redactUrlText,
} from './redact.ts'
export { ReplayedResponse, type ReplayInit } from './replay.ts'
export { summarize } from './request-summary.ts'
export { parseResponse } from './response.ts'
export { REDACTED, redactData, redactText, registerSecret, type SecretOptions } from './secret-registry.ts'
export type { Transport } from './transport.ts'
