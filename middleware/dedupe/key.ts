import type { Context } from '../../src/index.ts'
import { isSecretHeader } from '../../src/kit.ts'
import { encodeBase64 } from '../shared/base64.ts'
import { sha256Base64Url } from '../shared/digest.ts'
import { type DedupeOptions, resolve, type Settings } from './options.ts'

// Random per process: a key is a SHA-256 of a secret salt and what identifies the request, so
// it cannot be reversed, and a guessed token cannot be checked against it outside this
// process. Keys are only compared for equality in this process, so a salted hash is as good
// as an HMAC here, and costs one SHA-256 instead of two.
const salt = encodeBase64(globalThis.crypto.getRandomValues(new Uint8Array(32)))

function hash(material: string): string {
  return sha256Base64Url(`${salt}\0${material}`)
}

/**
 * What identifies a request for merging, as the middleware's map key: the parts `dedupeKey`
 * hashes, in clear. It stays in this process's memory next to the very headers it is made
 * of, so hashing it per call would cost a SHA-256 and protect nothing.
 */
export function keyOf(ctx: Context, settings: Settings): string | undefined {
  const request = ctx.request
  if (!settings.methods.has(request.method) || request.body != null || request.options.dedupe === false) {
    return undefined
  }
  if (settings.key !== undefined) {
    const custom = settings.key(ctx)
    return custom === undefined ? undefined : `custom\0${custom}`
  }
  const url = request.peekUrl()
  // The fragment is never sent, so it does not tell two requests apart.
  const href = url.hash ? url.href.slice(0, -url.hash.length) : url.href
  const headers = request.peekHeaders()
  // NUL separates the parts: no URL, header value or scope can contain one.
  const { timeout, options } = request
  let material = `${request.method}\0${href}\0${timeout}\0${options.deadline ?? ''}\0${ctx.state.credentialScope ?? ''}`
  const carriers = ctx.state.credentialHeaders
  // Headers iterate in name order, lower-case, repeated values joined: one pass, same order
  // for the same headers. Names are distinct, so a header that is absent cannot be confused.
  // Every secret header counts, not only those auth declared: auth sits inside dedupe and
  // declares its headers after the key is made, and a call may carry its own credential
  // (`headers: { 'x-api-key': … }`); two callers with different keys must not share an answer.
  for (const [name, value] of headers) {
    if (settings.headers.has(name) || carriers?.has(name) || isSecretHeader(name)) material += `\0${name}:${value}`
  }
  return material
}

/**
 * The key under which `dedupe(options)` would merge this call, or `undefined` when it would
 * not merge it (a method not accepted, a request with a body, or `options.key` said so). The
 * key is a SHA-256 of a secret per-process salt and the method, the URL without its
 * fragment, the per-attempt timeout, `ctx.state.credentialScope`, and the values of the
 * headers that matter (every secret header, see `isSecretHeader`, among them): it never holds
 * a token, a cookie or a query parameter in clear.
 */
export function dedupeKey(ctx: Context, options: DedupeOptions = {}): string | undefined {
  const key = keyOf(ctx, resolve(options))
  return key === undefined ? undefined : hash(key)
}
