// Run as a child process by exit.test.ts: makes 100 requests (some failing in every way the
// transport can fail), prints a line, and then does nothing more. It must exit on its own.

import { parse } from '../../middleware/index.ts'
import { rateLimit } from '../../middleware/ratelimit/index.ts'
import { createClient, PlyError } from '../../src/index.ts'

const [base, closedBase] = process.argv.slice(2) as [string, string]
const client = createClient({ baseUrl: base }).use(parse())
const refused = createClient({ baseUrl: closedBase })
const outcomes = { ok: 0, failed: 0 }
const paths = ['/echo', '/status/500', '/never', '/bad-json', '/status/404']
await Promise.all(
  Array.from({ length: 100 }, async (_, i) => {
    try {
      if (i % 10 === 9) await refused.get('/x')
      else {
        const path = paths[i % paths.length] as string
        await client.get(path, { timeout: path === '/never' ? 150 : 5_000 })
      }
      outcomes.ok += 1
    } catch (error) {
      if (!(error instanceof PlyError)) throw error
      outcomes.failed += 1
    }
  }),
)
// A limited client with a queue: 10 start, 10 wait their turn, 5 find the queue full.
const limited = createClient({ baseUrl: base }).use(rateLimit({ perSecond: 10, maxQueue: 10 }))
const queued = { ok: 0, rejected: 0 }
await Promise.all(
  Array.from({ length: 25 }, () =>
    limited.get('/echo').then(
      () => {
        queued.ok += 1
      },
      () => {
        queued.rejected += 1
      },
    ),
  ),
)
console.log(`done ${JSON.stringify(outcomes)} ${JSON.stringify(queued)}`)
