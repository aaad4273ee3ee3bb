import { readFile, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { BASELINE, PLY_BARE, PLY_FIVE, PLY_FULL } from './clients.ts'
import { median, medianInterval, percentile, type Turn } from './measure.ts'

/** Every turn one client ran at one concurrency. */
export interface Series {
  readonly client: string
  readonly concurrency: number
  readonly turns: readonly Turn[]
}

/** How a run was made, for the report. */
export interface RunInfo {
  readonly rounds: number
  readonly turnMs: number
  readonly warmupMs: number
  readonly quick: boolean
  /** The share of CPU time the hypervisor stole during the run, when known. */
  readonly steal?: number | undefined
  /** The command that made the run, as the page should quote it. */
  readonly command?: string | undefined
}

const DOC = new URL('../docs/performance.md', import.meta.url)
const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

/** A generated part of docs/performance.md: its markers, and the heading it goes under when new. */
export interface DocSection {
  readonly start: string
  readonly end: string
  readonly heading: string
}

/** Where `npm run bench` puts the overhead table. */
export const RESULTS: DocSection = { start: START, end: END, heading: 'Results' }

/** One client at one concurrency, summarised over its rounds. */
export interface Row {
  readonly client: string
  readonly concurrency: number
  readonly rps: number
  readonly minRps: number
  readonly maxRps: number
  /** Median over rounds of this client's req/s over bare ky's in the same round. */
  readonly ratio: number
  /** The ratio's ~95% confidence interval. */
  readonly ratioInterval: readonly [number, number]
  readonly p50: number
  readonly p99: number
  readonly cpuMicros: number
}

/** Summarises `s`; its ratio is taken against `baseline`, round by round. */
export function rowOf(s: Series, baseline: Series | undefined): Row {
  const rates = s.turns.map((t) => t.rps)
  const latencies = s.turns.flatMap((t) => t.latencies).sort((a, b) => a - b)
  // Each turn is compared with the baseline's in the same round, seconds apart at most, so that
  // the machine's drift (and a busy neighbour) cancels out of the ratio.
  const ratios = s.turns.map((t, round) => t.rps / (baseline?.turns[round]?.rps ?? Number.NaN))
  return {
    client: s.client,
    concurrency: s.concurrency,
    rps: median(rates),
    minRps: Math.min(...rates),
    maxRps: Math.max(...rates),
    ratio: median(ratios),
    ratioInterval: medianInterval(ratios),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    cpuMicros: median(s.turns.map((t) => t.cpuMicros)),
  }
}

/** Summarises every series, with ratios against the client named `baseline` at the same concurrency. */
export function rowsOf(series: readonly Series[], baseline: string = BASELINE): Row[] {
  const baselineOf = (s: Series) => series.find((b) => b.client === baseline && b.concurrency === s.concurrency)
  return series.map((s) => rowOf(s, baselineOf(s)))
}

/** `n` rounded, with thousands separators. */
export const whole = (n: number): string => Math.round(n).toLocaleString('en-US')
/** `n` with `digits` decimals. */
export const fixed = (n: number, digits: number): string => n.toFixed(digits)
/** A ratio's interval, `low–high`. */
export const interval = ([low, high]: readonly [number, number]): string => `${fixed(low, 2)}–${fixed(high, 2)}`

/** The results as a markdown table, one line per client and concurrency. */
export function markdownTable(series: readonly Series[]): string {
  const lines = [
    '| Client | Concurrency | req/s (median) | req/s (min–max) | × bare ky | × bare ky, 95% CI | p50 ms | p99 ms | CPU µs/req |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rowsOf(series)) lines.push(`| ${rowCells(r, 2).join(' | ')} |`)
  return lines.join('\n')
}

/** One row's cells: client, concurrency, throughput, ratio to the baseline, latency, CPU. */
export function rowCells(r: Row, latencyDigits: number): string[] {
  return [
    r.client,
    String(r.concurrency),
    whole(r.rps),
    `${whole(r.minRps)}–${whole(r.maxRps)}`,
    fixed(r.ratio, 2),
    interval(r.ratioInterval),
    fixed(r.p50, latencyDigits),
    fixed(r.p99, latencyDigits),
    whole(r.cpuMicros),
  ]
}

/** A throughput target: `client` keeps at least `ratio` × bare ky's requests/s, at every concurrency. */
export interface Target {
  readonly client: string
  readonly ratio: number
}

/** The targets of the throughput section; one whose client did not run is left out. */
export const TARGETS: readonly Target[] = [
  { client: PLY_FULL, ratio: 0.9 },
  { client: PLY_BARE, ratio: 0.97 },
  { client: PLY_FIVE, ratio: 0.95 },
]

/** Whether `r` meets `ratio`, and how sure this run is of it: one markdown line. */
export function verdictLine(r: Row, ratio: number): string {
  const [low, high] = r.ratioInterval
  const verdict = r.ratio >= ratio ? '**met**' : '**not met**'
  const certainty =
    low <= ratio && ratio <= high
      ? `, but the 95% interval (${interval(r.ratioInterval)}) holds ${ratio}: within this run's noise`
      : ` (95% interval ${interval(r.ratioInterval)})`
  return `- Concurrency ${r.concurrency}: ${r.client} runs at ${fixed(r.ratio, 3)}× ${BASELINE}'s requests/s; target ≥ ${ratio}×: ${verdict}${certainty}.`
}

/** One line per target and concurrency saying whether the target is met, and how sure this run is of it. */
export function verdicts(series: readonly Series[]): string[] {
  const rows = rowsOf(series)
  return TARGETS.flatMap((target) =>
    rows.filter((r) => r.client === target.client).map((r) => verdictLine(r, target.ratio)),
  )
}

/** The installed version of package `name`. */
export async function versionOf(name: string): Promise<string> {
  const manifest = await readFile(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')
  return (JSON.parse(manifest) as { version: string }).version
}

/**
 * The machine, the software and the run's shape, as markdown lines; `software` replaces the
 * default line (Node, ky, undici).
 */
export async function setting(info: RunInfo, software?: string): Promise<string[]> {
  const shape = `${info.rounds} rounds × ${info.turnMs / 1000} s per client per concurrency, after ${info.warmupMs / 1000} s of warm-up each`
  return [
    ...machineLines(info.quick),
    software ??
      `- Node ${process.version} (global fetch on its bundled undici ${process.versions.undici ?? '?'}), ky ${await versionOf('ky')}, got ${await versionOf('got')}, axios ${await versionOf('axios')}, undici ${await versionOf('undici')} (for \`undici.request\`)`,
    `- Run: ${shape}`,
    ...stealLines(info.steal),
  ]
}

/** The date (and whether the run was a quick one) and the machine, as markdown lines. */
export function machineLines(quick: boolean): string[] {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? 'unknown CPU'
  return [
    `- Date: ${new Date().toISOString().slice(0, 10)}${quick ? ' (**--quick run**: indicative only)' : ''}`,
    `- Machine: ${cpus.length} cores (${model}), ${os.type()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
  ]
}

/** The share of CPU time the hypervisor stole, as a markdown line (none when unknown). */
export function stealLines(steal: number | undefined): string[] {
  return steal === undefined ? [] : [`- CPU time stolen by the hypervisor during the run: ${fixed(steal * 100, 1)}%`]
}

/**
 * The generated part of docs/performance.md: setting, table, verdicts, then `notes` (what the
 * run checked) and `chart` (a markdown image line), when given.
 */
export async function resultsSection(
  series: readonly Series[],
  info: RunInfo,
  notes: readonly string[] = [],
  chart?: string,
): Promise<string> {
  const command = info.command ?? (info.quick ? 'npm run bench -- --quick --write' : 'npm run bench -- --write')
  return [
    START,
    `Generated by \`${command}\`.`,
    '',
    ...(await setting(info)),
    '',
    markdownTable(series),
    '',
    ...verdicts(series),
    ...notes,
    ...(chart === undefined ? [] : ['', chart]),
    END,
  ].join('\n')
}

/**
 * Rewrites one generated section of docs/performance.md (`section`, markers included, goes
 * between `where`'s markers), keeping the hand-written text around it. A page without those
 * markers gets the section appended under its heading; a missing page is written whole.
 */
export async function writeDoc(section: string, where: DocSection = RESULTS): Promise<void> {
  const current = await readFile(DOC, 'utf8').catch(() => '')
  const start = current.indexOf(where.start)
  const end = current.indexOf(where.end)
  let next: string
  if (start !== -1 && end > start) next = `${current.slice(0, start)}${section}${current.slice(end + where.end.length)}`
  else if (current === '') next = docTemplate(section)
  else next = `${current.trimEnd()}\n\n## ${where.heading}\n\n${section}\n`
  await writeFile(DOC, next)
}

function docTemplate(section: string): string {
  return `# Performance

How much ply's onion costs over the transport it wraps, measured against its peers on loopback.

## Results

${section}

## How to run

\`\`\`sh
npm run bench                    # full run (about 9 min): prints the tables
npm run bench -- --write         # the same, and rewrites the results above
npm run bench -- --quick         # a smoke run in about 35 s, for CI
\`\`\`
`
}
