import type { Skipped } from './cache-client.ts'
import { BASELINE } from './clients.ts'
import type { Turn } from './measure.ts'
import {
  type DocSection,
  fixed,
  interval,
  type Row,
  type RunInfo,
  rowCells,
  rowOf,
  rowsOf,
  type Series,
  setting,
  versionOf,
  whole,
} from './report.ts'
import { type Table, toMarkdown, toText } from './table.ts'

/** One turn of the cache bench: the measures, and how many requests reached the server meanwhile. */
export interface CacheTurn extends Turn {
  readonly origin: number
}

/** Every turn of one client at one concurrency. */
export interface CacheSeries extends Series {
  readonly turns: readonly CacheTurn[]
  /** Whether the client has a cache (all but the baseline). */
  readonly cached: boolean
}

/** What the cache bench found, and how it was run. */
export interface CacheResults {
  readonly series: readonly CacheSeries[]
  readonly skipped: readonly Skipped[]
  /** Clients whose own hit flag said "not a hit" right after warm-up. */
  readonly unconfirmed: readonly string[]
  readonly info: RunInfo
}

/** Where the cache bench's results go in docs/performance.md. */
export const CACHE_SECTION: DocSection = {
  start: '<!-- bench:cache:start -->',
  end: '<!-- bench:cache:end -->',
  heading: 'Cache hits',
}

/** The client the comparison with every peer is about. */
export const PLY_MEMORY = 'ply + cache (memory)'

/** A cached client may let this share of its calls through (none is expected). */
const MAX_MISS_SHARE = 0.001

const calls = (s: CacheSeries) => s.turns.reduce((sum, t) => sum + t.latencies.length, 0)
const origin = (s: CacheSeries) => s.turns.reduce((sum, t) => sum + t.origin, 0)

/** One line per client and concurrency: throughput, ratio to bare ky, latency, CPU, server requests. */
export function resultsTable(series: readonly CacheSeries[]): Table {
  const rows = rowsOf(series).map((r: Row, i) => {
    const s = series[i] as CacheSeries
    return [...rowCells(r, 3), `${whole(origin(s))} / ${whole(calls(s))}`]
  })
  return {
    header: [
      'Client',
      'Concurrency',
      'req/s (median)',
      'req/s (min–max)',
      `× ${BASELINE}`,
      `× ${BASELINE}, 95% CI`,
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'server requests / calls (measured)',
    ],
    rows,
    numeric: [false, true, true, true, true, true, true, true, true, true],
  }
}

/** ply with its memory store against every other client, round by round, at each concurrency. */
export function plyVersusTable(series: readonly CacheSeries[]): Table | undefined {
  const rows: string[][] = []
  for (const ply of series.filter((s) => s.client === PLY_MEMORY)) {
    for (const peer of series.filter((s) => s.concurrency === ply.concurrency && s !== ply)) {
      const r = rowOf(ply, peer)
      rows.push([peer.client, String(ply.concurrency), fixed(r.ratio, 2), interval(r.ratioInterval)])
    }
  }
  if (rows.length === 0) return undefined
  return {
    header: [`${PLY_MEMORY} ÷`, 'Concurrency', '× (median of rounds)', '95% CI'],
    rows,
    numeric: [false, true, true, true],
  }
}

/** Whether every cached client answered from its cache, as the server's request count shows. */
export function hitLines(results: CacheResults): string[] {
  const lines: string[] = []
  for (const s of results.series) {
    const share = origin(s) / Math.max(calls(s), 1)
    if (s.cached && share > MAX_MISS_SHARE)
      lines.push(
        `- **Not all hits**: ${s.client} at concurrency ${s.concurrency} sent ${origin(s)} of ${calls(s)} calls to the server.`,
      )
  }
  for (const name of results.unconfirmed) lines.push(`- **Not a hit by its own account** after warm-up: ${name}.`)
  if (lines.length > 0) return lines
  const baseline = results.series.filter((s) => !s.cached).map((s) => `${whole(origin(s))} of ${whole(calls(s))}`)
  return [
    `- Hits verified: while measured, the cached clients sent ${whole(results.series.filter((s) => s.cached).reduce((sum, s) => sum + origin(s), 0))} requests to the server (${BASELINE}: ${baseline.join(' and ')}, one per call).`,
  ]
}

/** One line per client that did not run. */
export function skippedLines(skipped: readonly Skipped[]): string[] {
  return skipped.map((s) => `- skipped: ${s.name}: ${s.reason}`)
}

/** The results as plain text, for a terminal. */
export function textReport(results: CacheResults): string {
  const versus = plyVersusTable(results.series)
  return [
    'Cache hits',
    '',
    toText(resultsTable(results.series)),
    ...(versus === undefined ? [`(no ${PLY_MEMORY} row: nothing to compare)`] : ['', toText(versus)]),
    '',
    ...skippedLines(results.skipped),
    ...hitLines(results),
  ].join('\n')
}

async function software(): Promise<string> {
  const names = ['ky', 'got', 'undici', 'axios', 'axios-cache-interceptor', 'keyv', '@keyv/sqlite', '@keyv/redis']
  const versions = await Promise.all(names.map(async (name) => `${name} ${await versionOf(name)}`))
  return `- Node ${process.version}, ${versions.join(', ')}`
}

/** The "Cache hits" section of docs/performance.md, markers included. */
export async function cacheSection(results: CacheResults, command: string): Promise<string> {
  const versus = plyVersusTable(results.series)
  return [
    CACHE_SECTION.start,
    `Generated by \`${command}\`.`,
    '',
    ...(await setting(results.info, await software())),
    ...skippedLines(results.skipped),
    '',
    toMarkdown(resultsTable(results.series)),
    '',
    ...(versus === undefined ? [] : [toMarkdown(versus), '']),
    ...hitLines(results),
    CACHE_SECTION.end,
  ].join('\n')
}
