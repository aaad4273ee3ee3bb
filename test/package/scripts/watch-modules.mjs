// Records every module that a Redis client, bottleneck, a Keyv Redis adapter or ply-http's own
// Redis entry would be loaded from, as it is resolved (whether or not it can be found).
import { registerHooks } from 'node:module'

const PEER = /^(ioredis|bottleneck|redis|@redis\/[^/]+|@keyv\/redis)(\/|$)/
const PEER_FILE = /node_modules\/(ioredis|bottleneck|redis|@redis\/[^/]+|@keyv\/redis)\//
const REDIS_ENTRY = /^ply-http\/redis$|node_modules\/ply-http\/dist\/redis\//

/** Starts recording; `tried()` lists what was resolved so far, `ownEntry` included or not. */
export function watchModules() {
  const seen = new Set()
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (PEER.test(specifier) || REDIS_ENTRY.test(specifier)) seen.add(specifier)
      const resolved = nextResolve(specifier, context)
      if (PEER_FILE.test(resolved.url) || REDIS_ENTRY.test(resolved.url)) seen.add(resolved.url)
      return resolved
    },
  })
  return {
    tried: ({ ownEntry }) => [...seen].filter((name) => ownEntry || !REDIS_ENTRY.test(name)),
  }
}
