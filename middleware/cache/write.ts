import type { Context } from '../../src/index.ts'
import { attemptBudget, ReplayedResponse, summarize } from '../../src/kit.ts'
import { readAtMost, StreamedResponse } from './body.ts'
import type { Directives } from './directives.ts'
import { type CacheRecord, headerPairs, retentionMs, type StoredResponse, withDate, withVariant } from './entry.ts'
import { assess, type Freshness } from './freshness.ts'
import { resourceOf } from './key.ts'
import type { CacheSettings } from './options.ts'
import type { ByteRange } from './range.ts'
import { release } from './serve.ts'
import { varyValues } from './vary.ts'

/** One call of `next()`: for the call's own context, or for a detached one (a background refresh). */
export type Run = () => Promise<void>

/** Where a call's response goes in the store. */
export interface Slot {
  readonly key: string
  /** What the key held when the call looked (every variant), to write back with the new one. */
  readonly record: CacheRecord | undefined
  /** `ctx.state.credentialScope` when the key was made: the partition the key stands for. */
  readonly scope: string | undefined
  /** The request's `Cache-Control` directives (see `requestDirectives`). */
  readonly directives: Directives
  /** The key without credentials, for a request whose only credential is a cookie (see `anonymousKey`). */
  readonly anonymous?: string | undefined
  /** The byte range a GET asks for: answered only from a usable complete entry, never stored. */
  readonly range?: ByteRange | undefined
}

/** Goes to the network, and stores the answer if the rules allow. */
export function fetchAndStore(ctx: Context, run: Run, settings: CacheSettings, slot: Slot): Promise<void> {
  const headers = ctx.request.peekHeaders()
  const requestTime = Date.now()
  return run().then(() => {
    ctx.cacheStatus = 'miss'
    return storeResponse(ctx, settings, slot, headers, requestTime)
  })
}

/**
 * Stores `ctx.response` if the rules allow, replacing it with a replay of the bytes read. A
 * body over `maxBodyBytes` is read no further than that: the caller gets it as a stream of
 * what was read and the rest, and it is not stored. The write is not waited for. Synchronous
 * (`undefined`) when the response is not to be stored, which is the common case of an API.
 */
export function storeResponse(
  ctx: Context,
  settings: CacheSettings,
  slot: Slot,
  requestHeaders: Headers,
  requestTime: number,
): Promise<void> | undefined {
  const response = ctx.response
  if (response === undefined || response.bodyUsed) return undefined
  // A scope that appeared while the call ran (an inner middleware that signs the request but
  // declares its credential late) is not the partition the key stands for: not stored.
  if (ctx.state.credentialScope !== slot.scope) return undefined
  const responseTime = Date.now()
  const freshness = assess(
    {
      method: ctx.request.method,
      status: response.status,
      headers: response.headers,
      requestDirectives: slot.directives,
      credentialed: isCredentialed(ctx, requestHeaders),
      requestTime,
      responseTime,
    },
    settings.freshness,
  )
  if (freshness === undefined) return undefined
  const declared = Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared > settings.maxBodyBytes) return undefined
  return storeBody(ctx, settings, slot, response, freshness, requestHeaders, responseTime)
}

/** Reads a storable response's body, replays it to the caller, and writes it to the store. */
async function storeBody(
  ctx: Context,
  settings: CacheSettings,
  slot: Slot,
  response: Response,
  freshness: Freshness,
  requestHeaders: Headers,
  responseTime: number,
): Promise<void> {
  const request = ctx.request
  // The answering URL as stored and replayed: an API key an auth middleware put in its query stays out.
  const url = resourceOf(response.url ? new URL(response.url) : request.peekUrl())
  const headers = withDate(response.headers, responseTime)
  const init = { status: response.status, statusText: response.statusText, headers }
  let body: Uint8Array
  if (request.method === 'HEAD') {
    body = new Uint8Array(0)
    await release(response)
  } else {
    const read = await readAtMost(response, settings.maxBodyBytes, {
      timeout: attemptBudget(ctx),
      signal: request.signal,
      request: () => summarize(request.method, request.peekUrl()),
    })
    if (read.rest !== undefined) {
      ctx.response = new StreamedResponse(read.rest, init, url)
      return
    }
    body = read.bytes
  }
  ctx.response = new ReplayedResponse(body, { ...init, url })
  // Only a body that was already in memory (from a middleware inside) can be larger here.
  if (body.byteLength > settings.maxBodyBytes) return
  const entry: StoredResponse = {
    ...freshness,
    status: response.status,
    statusText: response.statusText,
    url,
    headers: headerPairs(headers),
    body,
    vary: varyValues(response.headers.get('vary'), requestHeaders),
    storedAt: responseTime,
  }
  write(settings, slot, entry, responseTime)
}

/**
 * Writes `entry` into its slot's record, without waiting: the caller's response does not wait
 * for the store. A Keyv store's failures go to `onStoreError` (see `GuardedStore`).
 */
export function write(settings: CacheSettings, slot: Slot, entry: StoredResponse, now: number): void {
  const record = withVariant(slot.record, entry)
  background(settings.store.set(slot.key, record, retentionMs(record, now)))
}

/** Lets a store operation run on; the guarded stores report their own failures, nothing is left unhandled. */
export function background(operation: Promise<void>): void {
  operation.catch(() => undefined)
}

/** Whether the request carries a credential: an auth middleware's scope or an `Authorization` header. */
export function isCredentialed(ctx: Context, headers: Headers): boolean {
  return ctx.state.credentialScope !== undefined || headers.has('authorization')
}
