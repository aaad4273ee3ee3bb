// Type-checked in the fresh project against the packed types: what a middleware declares by
// declaration merging (its events, its facts) reaches a consumer, the kit's helpers import
// from ply-http/kit, and a consumer's own middleware declares facts the same way.
import { type CallFacts, createClient } from 'ply-http'
import { redactUrl } from 'ply-http/kit'
import {
  type CircuitEvent,
  CircuitOpenError,
  circuitBreaker,
  type LimitedEvent,
  type RetryEvent,
  rateLimit,
  retry,
} from 'ply-http/middleware'

declare module 'ply-http' {
  interface CallFacts {
    region?: string
  }
}

export const api = createClient({ baseUrl: 'https://api.example.com' })
  .use(retry())
  .use(circuitBreaker({ failures: 5 }))
  .use(rateLimit({ perSecond: 5 }))
export const heard: (RetryEvent | LimitedEvent | CircuitEvent)[] = []
api.on('retry', (event) => heard.push(event))
api.on('rateLimited', (event) => heard.push(event))
api.on('circuit', (event) => heard.push(event))
export const refusedUntil = (error: unknown): Date | undefined =>
  error instanceof CircuitOpenError ? error.resetAt : undefined
api.on('response', (event) => {
  const waited: number | undefined = event.rateLimitWaitMs
  const region: string | undefined = event.region
  console.log(waited, region, event.attempts)
})
export const facts: CallFacts = { region: 'eu', rateLimitWaitMs: 0 }
export const masked: string = redactUrl(new URL('https://user:secret@example.com/'))
