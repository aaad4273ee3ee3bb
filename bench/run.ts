/**
 * `npm run bench [-- --quick] [-- --write] [-- --only overhead|cache|ratelimit|memory|bundle]`:
 * four sections against a loopback server in a child process, and one without a network.
 *
 * 1. overhead: requests/s and p50/p99 latency of undici.request, fetch, bare ky, got, axios
 *    and ply (empty stack, five pass-through middlewares, and the full stack of
 *    `./full-stack.ts`) at concurrency 1, 16 and 64. Prints a markdown table; `--write` also
 *    draws docs/performance-throughput.svg.
 * 2. cache: cache hits of ply and its peers against bare ky's round trips (`./cache.ts`).
 * 3. ratelimit: `rateLimit()`'s achieved rate at 50, 200 and 1,000 requests/s
 *    (`./ratelimit-section.ts`), and the same shared by two processes through Redis, counted
 *    at the server (`./ratelimit-shared-precision.ts`; skipped without redis-server).
 * 4. memory: heap and RSS per request with 10,000 in flight, bare ky against ply's full
 *    stack (`./memory.ts`).
 * 5. bundle: esbuild browser bundles of ky, the core and the core with its middlewares,
 *    minified and gzipped (`./bundle-size.ts`); a second or two, the same with `--quick`.
 *
 * `--write` also puts the results in docs/performance.md, `--quick` makes a short smoke run
 * (under a minute in all), `--only` runs one section.
 */
import { deepStrictEqual } from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { runBundleBench } from './bundle-size.ts'
import { runCacheBench } from './cache.ts'
import { type BenchClient, PLY_FULL, withClients } from './clients.ts'
import { log } from './log.ts'
import { cpuTicks, stealShare } from './machine.ts'
import { runTurn } from './measure.ts'
import { runMemoryBench } from './memory.ts'
import { PAYLOAD } from './payload.ts'
import { runRateLimitBench } from './ratelimit-section.ts'
import { runSharedPrecisionBench } from './ratelimit-shared-precision.ts'
import {
  markdownTable,
  type RunInfo,
  resultsSection,
  rowsOf,
  type Series,
  verdicts,
  whole,
  writeDoc,
} from './report.ts'
import { interleave } from './rounds.ts'
import { throughputSvg } from './throughput-plot.ts'

const CONCURRENCIES = [1, 16, 64] as const
// Many short turns rather than a few long ones: on this shared virtual machine one client's
// req/s swings by a factor of 2 from one half-second to the next, so only many paired rounds
// pin a ratio down (see docs/performance.md, "Method"). With 8 clients at 3 concurrencies
// the earlier 60 rounds × 0.5 s would take 12 minutes for this section alone; 24 rounds ×
// 0.4 s (9.6 s per client per concurrency, about 4.5 minutes in all) keep the whole run
// under 10 minutes. For the median of 24 paired ratios the distribution-free 95% interval
// runs from the 7th to the 18th value, about 1.6 times as wide as with 60 rounds: a few
// percent on this machine, enough to tell 0.90× from 1.00×.
const FULL = { rounds: 24, turnMs: 400, warmupMs: 750 }
// Six rounds is the fewest for which the ratio's interval (min–max then) covers 95%. The
// turns are short (tens of calls each at concurrency 1): this is a smoke run of every
// client that keeps the whole `--quick` run under a minute, not a measurement.
const QUICK = { rounds: 6, turnMs: 60, warmupMs: 60 }

const SECTIONS = ['overhead', 'cache', 'ratelimit', 'memory', 'bundle'] as const
type Section = (typeof SECTIONS)[number]

const CHART = 'performance-throughput.svg'

/** How a section is run. */
interface Options {
  readonly quick: boolean
  readonly write: boolean
  readonly command: string
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, write: { type: 'boolean' }, only: { type: 'string' } },
  })
  const only = values.only
  if (only !== undefined && !SECTIONS.some((section) => section === only))
    throw new Error(`--only takes ${SECTIONS.join(', ')}, not '${only}'`)
  const args = process.argv.slice(2)
  const options: Options = {
    quick: values.quick === true,
    write: values.write === true,
    command: args.length === 0 ? 'npm run bench' : `npm run bench -- ${args.join(' ')}`,
  }
  const runners: Record<Section, (options: Options) => Promise<void>> = {
    overhead: overheadSection,
    cache: (o) => runCacheBench(o),
    ratelimit: async (o) => {
      await runRateLimitBench(o)
      await runSharedPrecisionBench(o)
    },
    memory: (o) => runMemoryBench(o),
    bundle: (o) => runBundleBench(o),
  }
  const start = performance.now()
  for (const section of SECTIONS) {
    if (only !== undefined && only !== section) continue
    const sectionStart = performance.now()
    await runners[section](options)
    log(`${section}: ${((performance.now() - sectionStart) / 1000).toFixed(1)} s`)
  }
  log(`all done in ${((performance.now() - start) / 1000).toFixed(1)} s`)
}

/** What the overhead section checked beyond the timings. */
interface Checks {
  /** Requests that reached the server during the measured rounds, and calls made meanwhile. */
  readonly serverRequests: number
  readonly calls: number
  /** How often the full stack's limiter made a request wait. */
  readonly waits: number
}

async function overheadSection(options: Options): Promise<void> {
  const { quick, write, command } = options
  const plan: RunInfo = { ...(quick ? QUICK : FULL), quick, command }
  const ticks = cpuTicks()
  const { series, checks } = await withClients(async (clients, serverUrl) => {
    await checkAnswers(clients)
    const all: Series[] = []
    let serverRequests = 0
    for (const concurrency of CONCURRENCIES) {
      const measured = await measureAll(clients, concurrency, plan, serverUrl)
      all.push(...measured.series)
      serverRequests += measured.serverRequests
    }
    const calls = all.reduce((sum, s) => sum + s.turns.reduce((n, t) => n + t.latencies.length, 0), 0)
    const waits = clients.reduce((sum, client) => sum + (client.waits?.() ?? 0), 0)
    return { series: all, checks: { serverRequests, calls, waits } }
  })
  await report(series, { ...plan, steal: stealShare(ticks, cpuTicks()) }, checks, write)
}

/** Every client must get the payload back, or the numbers would compare different work. */
async function checkAnswers(clients: readonly BenchClient[]): Promise<void> {
  for (const client of clients) deepStrictEqual(await client.call(), PAYLOAD, `${client.name} got a wrong answer`)
}

/** How many requests `/nostore` has had, from the server's own count. */
async function noStoreCount(serverUrl: string): Promise<number> {
  return Number(await (await fetch(`${serverUrl}/count/nostore`)).text())
}

/**
 * Warms every client up for `info.warmupMs`, then runs the interleaved rounds (`./rounds.ts`),
 * and counts the requests that reached the server during them.
 */
async function measureAll(
  clients: readonly BenchClient[],
  concurrency: number,
  info: RunInfo,
  serverUrl: string,
): Promise<{ series: Series[]; serverRequests: number }> {
  log(`concurrency ${concurrency}: warm-up`)
  for (const client of clients) await runTurn(client.call, concurrency, info.warmupMs)
  const before = await noStoreCount(serverUrl)
  const turn = (client: BenchClient) => runTurn(client.call, concurrency, info.turnMs)
  const turns = await interleave(clients, info.rounds, turn, `concurrency ${concurrency}`)
  const serverRequests = (await noStoreCount(serverUrl)) - before
  const series = clients.map((client) => ({ client: client.name, concurrency, turns: turns.get(client) ?? [] }))
  return { series, serverRequests }
}

/** What the run checked, as markdown lines under the verdicts. */
function checkLines(checks: Checks): string[] {
  const all = checks.serverRequests === checks.calls
  return [
    all
      ? `- Every measured call made its own round trip: the server answered ${whole(checks.serverRequests)} requests for ${whole(checks.calls)} calls (so \`dedupe()\` merged none and \`cache()\` answered none).`
      : `- **The server answered ${whole(checks.serverRequests)} requests for ${whole(checks.calls)} calls**: some calls did not make their own round trip.`,
    `- ${PLY_FULL}'s \`rateLimit()\` made a request wait ${checks.waits} times (counted by the client's \`rateLimited\` events)${checks.waits === 0 ? ': its limits never bound' : ': **its limits bound**'}.`,
  ]
}

async function report(series: readonly Series[], info: RunInfo, checks: Checks, write: boolean): Promise<void> {
  const steal =
    info.steal === undefined ? '' : `\n\nCPU time stolen by the hypervisor: ${(info.steal * 100).toFixed(1)}%`
  const notes = checkLines(checks)
  console.log(`${markdownTable(series)}\n\n${[...verdicts(series), ...notes].join('\n')}${steal}`)
  if (!write) return
  const chart = `![Median requests/s per client at concurrency 1, 16 and 64, with the slowest and fastest round](${CHART})`
  await writeDoc(await resultsSection(series, info, notes, chart))
  await writeFile(
    new URL(`../docs/${CHART}`, import.meta.url),
    throughputSvg(rowsOf(series), 'Throughput on loopback: GET /nostore, one distinct URL per call'),
  )
  log(`docs/performance.md and docs/${CHART} rewritten`)
}

await main()
