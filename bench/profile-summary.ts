/**
 * Summarises a `.cpuprofile` (from `node --cpu-prof`): where the samples fall by area (ply's
 * src/, ky, Node's fetch, …), the top functions by self time, and ply's functions by total
 * time (callees included), which says what a call through ply costs and where.
 *
 *   npx node bench/profile-summary.ts /tmp/ply-prof/CPU.….cpuprofile [--top 25]
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
}

/** Where a frame's code lives, coarsely. */
function areaOf({ url, functionName }: CallFrame): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)'
  if (url.includes('/src/')) return 'ply src/'
  if (url.includes('/bench/')) return 'bench/'
  if (url.includes('/node_modules/ky/')) return 'ky'
  if (url.includes('/node_modules/undici/')) return 'undici (package)'
  if (url.includes('internal/deps/undici')) return "Node's fetch (bundled undici)"
  if (url.startsWith('node:')) return 'Node internals'
  return url
}

function frameName({ functionName, url, lineNumber }: CallFrame): string {
  const file = url.replace(/^.*\/(src|bench|node_modules)\//, '$1/').replace(/^node:internal\//, 'node:')
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
}

const percent = (count: number, total: number): string => `${((count * 100) / total).toFixed(1).padStart(5)}%`

function printRanking(title: string, counts: Map<string, number>, total: number, top: number): void {
  console.log(`\n${title}`)
  const ranked = [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)
  for (const [name, count] of ranked) console.log(`${percent(count, total)}  ${name}`)
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

/** Counts each sample once per distinct function of ply's src/ on its stack. */
function plyTotals(profile: CpuProfile, byId: Map<number, ProfileNode>): Map<string, number> {
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const totals = new Map<string, number>()
  for (const sample of profile.samples) {
    const seen = new Set<string>()
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame
      if (frame?.url.includes('/src/')) seen.add(frameName(frame))
    }
    for (const name of seen) increment(totals, name)
  }
  return totals
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' } },
  })
  const top = Number(values.top)
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile
    const byId = new Map(profile.nodes.map((node) => [node.id, node]))
    const areas = new Map<string, number>()
    const self = new Map<string, number>()
    for (const sample of profile.samples) {
      const frame = byId.get(sample)?.callFrame
      if (frame === undefined) continue
      increment(areas, areaOf(frame))
      increment(self, frameName(frame))
    }
    const busy = profile.samples.length - (areas.get('(idle)') ?? 0)
    console.log(`${file}: ${profile.samples.length} samples, ${busy} not idle; shares below are of those`)
    areas.delete('(idle)')
    self.delete(frameName({ functionName: '(idle)', url: '', lineNumber: -1 }))
    printRanking('By area (self time):', areas, busy, top)
    printRanking('Top functions (self time):', self, busy, top)
    printRanking("ply's src/ functions (total time, callees included):", plyTotals(profile, byId), busy, top)
  }
}

await main()
