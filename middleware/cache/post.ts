import type { Context } from '../../src/index.ts'
import { parseDirectives } from './directives.ts'
import { invalidate } from './invalidate.ts'
import { cacheKey, resourceOf } from './key.ts'
import type { CacheSettings } from './options.ts'
import { requestDirectives } from './reuse.ts'
import { storeResponse } from './write.ts'

/** An unsafe request as it left the cache, before the call went on. */
export interface Sent {
  readonly headers: Headers
  /** `ctx.state.credentialScope` then: the partition a stored answer belongs to. */
  readonly scope: string | undefined
  readonly time: number
}

// The statuses whose content is a representation of the resource (RFC 9110 §15.3.1, §15.3.4).
const REPRESENTATIONS = new Set([200, 203])

/**
 * After an unsafe request: drops what is stored for its URL and the URLs its response names
 * (`invalidate`), then, for a POST whose response is a representation of the POST's own
 * target (its `Content-Location` is the request URL) with explicit freshness, stores that
 * response where a later GET of the URL finds it (RFC 9110 §9.3.3, §8.7).
 */
export async function afterUnsafe(ctx: Context, settings: CacheSettings, sent: Sent): Promise<void> {
  const url = ctx.request.peekUrl()
  await invalidate(ctx, settings, url)
  const response = ctx.response
  if (ctx.request.method !== 'POST' || !settings.methods.has('GET') || response === undefined) return
  if (!REPRESENTATIONS.has(response.status) || !isOwnLocation(response.headers.get('content-location'), url)) return
  const directives = parseDirectives(response.headers.get('cache-control'))
  const explicit =
    directives.has('max-age') ||
    response.headers.has('expires') ||
    (settings.freshness.shared && directives.has('s-maxage'))
  if (!explicit) return
  const resource = settings.key ? settings.key(ctx.request) : resourceOf(url)
  const slot = {
    key: cacheKey(ctx, 'GET', resource, settings.hashKeys),
    // The invalidation just dropped the record: the answer is its only variant.
    record: undefined,
    scope: sent.scope,
    directives: requestDirectives(sent.headers),
  }
  await storeResponse(ctx, settings, slot, sent.headers, sent.time)
}

/** Whether a `Content-Location` names the request URL itself (fragments aside). */
function isOwnLocation(location: string | null, url: URL): boolean {
  if (location === null) return false
  const target = URL.parse(location, url)
  if (target === null) return false
  target.hash = ''
  const own = new URL(url.href)
  own.hash = ''
  return target.href === own.href
}
