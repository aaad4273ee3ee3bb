// Run as a child process by exit.test.ts: makes 100 requests (some failing in every way the
// transport can fail), prints a line, and then does nothing more. It must exit on its own.

import { parse } from '../../middleware/index.ts'
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
console.log(`done ${JSON.stringify(outcomes)}`)
