import type { Context } from '../../src/index.ts'
import { isSecretHeader, isSecretQueryParam, mayHoldSecretParam, type PlyRequest } from '../../src/kit.ts'
import { credentialScope } from '../shared/credential-scope.ts'
import { sha256Base64Url } from '../shared/digest.ts'

/** Makes the resource part of a cache key from a request (by default its URL without fragment and secrets). */
export type CacheKeyFunction = (request: PlyRequest) => string

// Bumped whenever the stored format changes, so that old entries are simply not found.
const KEY_PREFIX = 'ply-cache:v1:'

/**
 * The store key of one resource for `ctx`'s call: the method, the resource (see `resourceOf`,
 * or what a `key` option made of the request) and the credential partition, which holds
 * credentials only as keyed hashes. For a store outside this process (`hashed`) the key is a
 * SHA-256 of them, so that it shows no URL either; the memory store takes them as they are,
 * which spares every call a hash.
 */
export function cacheKey(
  ctx: Context,
  method: string,
  resource: string,
  hashed: boolean,
  partition = partitionOf(ctx),
): string {
  const material = `${method}\0${resource}\0${partition}`
  return KEY_PREFIX + (hashed ? sha256Base64Url(material) : material)
}

/** The resource a URL names, for a key: the URL without its fragment and without secret query parameters. */
export function resourceOf(url: URL): string {
  if (url.hash === '' && !mayHoldSecretParam(url.search)) return url.href
  let secret = false
  for (const name of url.searchParams.keys()) if (isSecretQueryParam(name)) secret = true
  if (!secret && url.hash === '') return url.href
  const copy = new URL(url.href)
  copy.hash = ''
  for (const name of [...copy.searchParams.keys()]) if (isSecretQueryParam(name)) copy.searchParams.delete(name)
  return copy.href
}

/**
 * The credential partition: the scope an auth middleware declared, and keyed hashes of the
 * credentials the request carries itself (`Authorization`, `Cookie`, secret headers and query
 * parameters).
 */
export function partitionOf(ctx: Context, url: URL = ctx.request.peekUrl()): string {
  const parts: string[] = []
  for (const [name, value] of ctx.request.peekHeaders()) {
    if (isSecretHeader(name)) parts.push(`${name}=${value}`)
  }
  if (mayHoldSecretParam(url.search)) {
    for (const [name, value] of url.searchParams) if (isSecretQueryParam(name)) parts.push(`?${name}=${value}`)
  }
  const carried = parts.length === 0 ? '' : credentialScope('request', parts.join('\n'))
  return `${ctx.state.credentialScope ?? ''}|${carried}`
}

/**
 * The key of the same resource in the partition without credentials, when the only credential
 * the request carries is its `Cookie` (no auth scope, no `Authorization`, no other secret
 * header or query parameter); otherwise `undefined`. A private cache may answer such a request
 * with a response fetched without credentials, as a browser does: that response holds nothing
 * of anyone's. The opposite never happens: what was fetched with a cookie stays in its
 * partition.
 */
export function anonymousKey(ctx: Context, method: string, resource: string, hashed: boolean): string | undefined {
  if (ctx.state.credentialScope !== undefined) return undefined
  for (const [name] of ctx.request.peekHeaders()) if (name !== 'cookie' && isSecretHeader(name)) return undefined
  const url = ctx.request.peekUrl()
  if (mayHoldSecretParam(url.search)) {
    for (const name of url.searchParams.keys()) if (isSecretQueryParam(name)) return undefined
  }
  return cacheKey(ctx, method, resource, hashed, '|')
}
