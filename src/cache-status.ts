/**
 * How the response relates to the cache; `'bypass'` when no cache took part. In a module of
 * its own so that context.ts (ctx.cacheStatus) and events.ts (the response and cacheHit
 * events) both import it without importing each other.
 */
export type CacheStatus = 'hit' | 'miss' | 'revalidated' | 'stale' | 'bypass'
