import type { RequestSummary } from './errors.ts'
import { redactUrl } from './redact.ts'

/** The `{ method, url }` summary that errors carry, with the URL redacted. */
export function summarize(method: string, url: URL | string): RequestSummary {
  return { method, url: redactUrl(url) }
}
