import type { Context, PlyRequest } from './context.ts'
import type { CallEvents } from './events.ts'

/**
 * A new call's context: `request` as the client built it, no response yet. `deadline` is the
 * call's budget in ms from now; `raw` is set for `client.fetch`, whose caller reads the body.
 */
export function callContext(
  request: PlyRequest,
  raw: boolean,
  deadline: number | undefined,
  events: CallEvents,
  baseOrigin: string | undefined,
): Context {
  return {
    request,
    response: undefined,
    parsed: undefined,
    deadline: deadline === undefined ? undefined : Date.now() + deadline,
    attempts: 0,
    cacheStatus: 'bypass',
    raw,
    state: {},
    events,
    facts: {},
    baseOrigin,
  }
}
