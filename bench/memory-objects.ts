/**
 * What a client holds per request in flight, by kind of object: takes a heap snapshot before
 * and one while `count` calls of `/slow` are held by the server (as `./memory-child.ts` does),
 * and prints the difference per call, grouped by V8's node type and name (a constructor, a
 * closure's function name, `(system)`…), largest first.
 *
 *   npx node --expose-gc bench/memory-objects.ts --client ply-full [--count 1000] [--top 30]
 *
 * Clients as in `./memory-child.ts`: `ky`, `ply-full`, or `ply:` and a list of middlewares.
 */

import { parseArgs } from 'node:util'
import { getHeapSnapshot } from 'node:v8'
import { clientOf, collect, control, waitForPending, warmUp } from './memory-child.ts'
import { startServer } from './spawn.ts'

interface HeapSnapshot {
  readonly snapshot: { readonly meta: { readonly node_fields: string[]; readonly node_types: [string[]] } }
  readonly nodes: number[]
  readonly strings: string[]
}

/** Objects of one kind: how many, and their own bytes. */
interface Kind {
  count: number
  bytes: number
}

/** The heap now, as bytes and counts per `type name`. */
async function heapByKind(): Promise<Map<string, Kind>> {
  collect()
  let json = ''
  for await (const chunk of getHeapSnapshot()) json += String(chunk)
  const { snapshot, nodes, strings } = JSON.parse(json) as HeapSnapshot
  const fields = snapshot.meta.node_fields
  const types = snapshot.meta.node_types[0]
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((field) => fields.indexOf(field))
  const kinds = new Map<string, Kind>()
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + (typeAt ?? 0)] ?? 0] ?? '?'
    // Strings are grouped as one kind: their names are their contents.
    const name =
      type === 'string' || type === 'concatenated string' ? '' : (strings[nodes[i + (nameAt ?? 0)] ?? 0] ?? '?')
    const key = `${type} ${name.length > 60 ? `${name.slice(0, 57)}…` : name}`
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 }
    kind.count++
    kind.bytes += nodes[i + (sizeAt ?? 0)] ?? 0
    kinds.set(key, kind)
  }
  return kinds
}

const { values } = parseArgs({
  options: {
    client: { type: 'string', default: 'ply-full' },
    count: { type: 'string', default: '1000' },
    top: { type: 'string', default: '30' },
  },
})
const count = Number(values.count)
const server = await startServer()
try {
  const { call } = clientOf(values.client, server.url)
  await warmUp(call)
  const before = await heapByKind()
  const calls = Array.from({ length: count }, (_, i) => call(`/slow?i=${i}`))
  await waitForPending(server.url, count, performance.now())
  const during = await heapByKind()
  await control(server.url, '/release')
  await Promise.all(calls)
  const rows = [...during]
    .map(([key, kind]) => {
      const was = before.get(key) ?? { count: 0, bytes: 0 }
      return { key, count: (kind.count - was.count) / count, bytes: (kind.bytes - was.bytes) / count }
    })
    .filter((row) => Math.abs(row.bytes) >= 1)
    .sort((a, b) => b.bytes - a.bytes)
  const total = rows.reduce((sum, row) => sum + row.bytes, 0)
  console.log(`${values.client}: ${Math.round(total)} bytes of heap objects per call in flight`)
  console.log('bytes/call  objects/call  kind')
  for (const row of rows.slice(0, Number(values.top)))
    console.log(`${row.bytes.toFixed(0).padStart(10)}  ${row.count.toFixed(2).padStart(12)}  ${row.key}`)
} finally {
  await server.stop()
}
