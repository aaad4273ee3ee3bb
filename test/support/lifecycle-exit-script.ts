// Run as a child process by lifecycle-exit.test.ts: builds the full stack with a Redis-shared
// rate limiter and a Redis cache store, makes calls (some answered from the cache, some left
// waiting in the shared limiter), closes the client, prints a line, and then does nothing
// more. It must exit on its own: close() leaves no connection, timer or socket behind.

import { auth, cache, dedupe, log, parse, rateLimit, retry } from '../../middleware/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { ClientClosedError, createClient } from '../../src/index.ts'

const [base, url, id] = process.argv.slice(2) as [string, string, string]
const cached = cache({ store: redisConnection({ url, id: `${id}:cache` }).cacheStore() })
const client = createClient({ baseUrl: base })
  .use(log({ write: () => undefined }))
  .use(parse())
  .use(cached)
  .use(dedupe())
  .use(retry())
  .use(rateLimit({ perSecond: 4, shared: redisConnection({ url, id }) }))
  .use(auth.bearer('t0ken'))

const outcomes = { ok: 0, cached: 0, aborted: 0, other: [] as string[] }
const count = (call: Promise<{ cacheStatus: string }>): Promise<void> =>
  call.then(
    (response) => {
      if (response.cacheStatus === 'hit') outcomes.cached += 1
      else outcomes.ok += 1
    },
    (error: unknown) => {
      if (error instanceof Error && error.name === 'AbortError') outcomes.aborted += 1
      else outcomes.other.push(String(error))
    },
  )

// Each path twice, one after the other: the second is a hit once the first's write landed.
for (const path of ['/a', '/b']) {
  await count(client.get(path))
  await cached.flush()
  await count(client.get(path))
}
// More than the shared limit lets start at once: some are still queued when close() comes.
const burst = Array.from({ length: 12 }, (_, i) => count(client.get(`/burst/${i}`)))
await new Promise((resolve) => setTimeout(resolve, 300))
await client.close()
await Promise.all(burst)
const after = await client.get('/a').then(
  () => 'answered',
  (error: unknown) => (error instanceof ClientClosedError ? 'refused' : String(error)),
)
console.log(`closed ${JSON.stringify(outcomes)} after close: ${after}`)
