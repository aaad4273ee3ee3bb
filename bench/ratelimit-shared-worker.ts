// A process of `./ratelimit-shared-precision.ts`: `callers` ask <baseUrl>/hit as fast as they can
// through rateLimit({ perSecond: rate, shared }) for `durationMs`, after the parent's "go".
//
//   <redisUrl> <id> <rate> <callers> <durationMs> <baseUrl>
//
// Prints "ready" once its Redis connection is up (its warm-up leaves no HTTP connection open),
// waits for its stdin to end, then prints `{ calls, errors }` when done.
import { rateLimit } from '../middleware/ratelimit/index.ts'
import { redisConnection } from '../redis/index.ts'
import { AbortError, createClient } from '../src/index.ts'

const [redisUrl, id, rate, callers, durationMs, baseUrl] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
]
const client = createClient({ baseUrl }).use(
  rateLimit({ perSecond: Number(rate), shared: redisConnection({ url: redisUrl, id }) }),
)
await client.get('/warmup')
process.stdout.write('ready\n')
await new Promise((resolve) => {
  process.stdin.on('end', resolve)
  process.stdin.resume()
})
const stop = new AbortController()
let calls = 0
let errors = 0
const caller = async (): Promise<void> => {
  while (!stop.signal.aborted) {
    try {
      await client.get(`/hit?pid=${process.pid}`, { signal: stop.signal })
      calls += 1
    } catch (error) {
      if (error instanceof AbortError && stop.signal.aborted) return
      errors += 1
      if (errors === 1) process.stderr.write(`bench/ratelimit-shared: ${rate}/s: ${String(error)}\n`)
    }
  }
}
const timer = setTimeout(() => stop.abort(), Number(durationMs))
await Promise.all(Array.from({ length: Number(callers) }, caller))
clearTimeout(timer)
await client.close()
process.stdout.write(`${JSON.stringify({ calls, errors })}\n`)
