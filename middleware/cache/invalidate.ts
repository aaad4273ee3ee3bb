import type { Context } from '../../src/index.ts'
import { cacheKey, partitionOf, resourceOf } from './key.ts'
import type { CacheSettings } from './options.ts'

/**
 * After a successful unsafe request, drops what is stored for its URL and for the same-origin
 * URLs its `Location` and `Content-Location` name (RFC 9111 §4.4), in the call's credential
 * partition and in the one without credentials.
 */
export async function invalidate(ctx: Context, settings: CacheSettings, url: URL): Promise<void> {
  const response = ctx.response
  if (response === undefined || response.status < 200 || response.status >= 400) return
  const resources = new Set([settings.key ? settings.key(ctx.request) : resourceOf(url)])
  for (const name of ['location', 'content-location']) {
    const value = response.headers.get(name)
    if (value === null) continue
    const target = URL.parse(value, url)
    if (target?.origin === url.origin) resources.add(resourceOf(target))
  }
  const partitions = new Set([partitionOf(ctx, url), '|'])
  const deletions: Promise<void>[] = []
  for (const resource of resources) {
    for (const partition of partitions) {
      for (const method of settings.methods)
        deletions.push(settings.store.delete(cacheKey(ctx, method, resource, settings.hashKeys, partition)))
    }
  }
  await Promise.all(deletions)
}
