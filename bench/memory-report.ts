import { BASELINE, PLY_FULL } from './clients.ts'
import { median } from './measure.ts'
import type { MemorySample } from './memory-child.ts'
import { type DocSection, fixed, whole } from './report.ts'
import type { Table } from './table.ts'

/** Where the memory bench's results go in docs/performance.md. */
export const MEMORY_SECTION: DocSection = {
  start: '<!-- bench:memory:start -->',
  end: '<!-- bench:memory:end -->',
  heading: 'Memory per request in flight',
}

/** ply's full stack may hold at most this many times bare ky's memory per request in flight. */
export const MEMORY_TARGET = 1.5

/** Every sample of one client, in repetition order. */
export interface MemorySeries {
  readonly key: string
  readonly name: string
  readonly samples: readonly MemorySample[]
}

/** Heap bytes held per request in flight, in one sample. */
export const heapPerRequest = (s: MemorySample): number => (s.heapInFlight - s.heapBefore) / s.count
/** RSS bytes held per request in flight, in one sample. */
export const rssPerRequest = (s: MemorySample): number => (s.rssInFlight - s.rssBefore) / s.count

const range = (values: readonly number[], format: (n: number) => string): string =>
  `${format(Math.min(...values))}–${format(Math.max(...values))}`

/** One line per client: heap and RSS per request (median, min–max), and how long the calls took to reach the server. */
export function memoryTable(series: readonly MemorySeries[]): Table {
  const rows = series.map((s) => {
    const heap = s.samples.map(heapPerRequest)
    const rss = s.samples.map(rssPerRequest)
    return [
      s.name,
      whole(median(heap)),
      range(heap, whole),
      whole(median(rss)),
      range(rss, whole),
      fixed(median(s.samples.map((x) => x.msToAllPending)) / 1000, 1),
    ]
  })
  return {
    header: [
      'Client',
      'Heap B/request (median)',
      'Heap (min–max)',
      'RSS B/request (median)',
      'RSS (min–max)',
      'Seconds until all held',
    ],
    rows,
    numeric: [false, true, true, true, true, true],
  }
}

/** `ply`'s per-request figure over `ky`'s, repetition by repetition (both ran in the same repetition). */
function ratios(ply: MemorySeries, ky: MemorySeries, perRequest: (s: MemorySample) => number): number[] {
  return ply.samples.map((s, i) => {
    const base = ky.samples[i]
    return base === undefined ? Number.NaN : perRequest(s) / perRequest(base)
  })
}

/** Whether ply's full stack stays within `MEMORY_TARGET` × bare ky, for heap and for RSS, with the checks made. */
export function memoryVerdicts(series: readonly MemorySeries[]): string[] {
  const ky = series.find((s) => s.name === BASELINE)
  const ply = series.find((s) => s.name === PLY_FULL)
  if (ky === undefined || ply === undefined) return []
  const lines = (['heap', 'RSS'] as const).map((what) => {
    const values = ratios(ply, ky, what === 'heap' ? heapPerRequest : rssPerRequest)
    const ratio = median(values)
    const verdict = ratio <= MEMORY_TARGET ? '**met**' : '**not met**'
    const spread = values.length > 1 ? ` (min–max over repetitions ${range(values, (n) => fixed(n, 2))})` : ''
    return `- ${what === 'heap' ? 'Heap' : 'RSS'}: ${PLY_FULL} holds ${fixed(ratio, 2)}× ${BASELINE}'s per request in flight${spread}; target ≤ ${MEMORY_TARGET}×: ${verdict}.`
  })
  const waits = ply.samples.reduce((sum, s) => sum + (s.waits ?? 0), 0)
  lines.push(
    `- ${PLY_FULL}'s \`rateLimit()\` made a request wait ${waits} times (counted by the client's \`rateLimited\` events)${waits === 0 ? ': its limits never bound' : ': **its limits bound**, which skews its figures'}.`,
  )
  return lines
}
