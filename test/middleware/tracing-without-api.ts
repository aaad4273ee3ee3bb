// Run by tracing.test.ts with `@opentelemetry/api` hidden: one call through `tracing()` must
// work as if the middleware were not there, and the process must exit by itself.
import { tracing } from '../../middleware/index.ts'
import { createClient } from '../../src/index.ts'

const hidden = await import('@opentelemetry/api').then(
  () => 'installed',
  () => 'hidden',
)
const baseUrl = process.argv[2]
const client = createClient({ baseUrl }).use(tracing())
const response = await client.get('/echo')
const echoed = response.data as { headers: Record<string, string> }
console.log(hidden, response.status, echoed.headers.traceparent)
