/**
 * The memory bench (`npm run bench -- --only memory`): heap and RSS per request in flight,
 * with 10,000 concurrent slow requests, for bare ky and ply's full stack (`./full-stack.ts`).
 * Each measurement runs in a fresh child process with `--expose-gc` (`./memory-child.ts`)
 * against the loopback server (`./server.ts`), which holds every `GET /slow` until the child
 * has recorded its memory. Repeated (clients alternating which goes first), and reported as
 * the median and min–max over the repetitions, with ply ÷ ky paired by repetition.
 *
 *   npx node bench/memory.ts [--clients "ky;ply-full;ply:parse,cache"] [--repeat 3] [--count 10000]
 *
 * prints the table for any clients (`ply:` and a list of the full stack's middlewares builds
 * that part of the stack), to see what each middleware holds; it writes nothing.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { BASELINE, PLY_FULL } from './clients.ts'
import { log } from './log.ts'
import { listenOverflows } from './machine.ts'
import type { MemorySample } from './memory-child.ts'
import { MEMORY_SECTION, type MemorySeries, memoryTable, memoryVerdicts } from './memory-report.ts'
import { machineLines, whole, writeDoc } from './report.ts'
import { runScript, startServer } from './spawn.ts'
import { toMarkdown, toText } from './table.ts'

/** How to run the memory section of `npm run bench`. */
export interface MemoryBenchOptions {
  readonly quick: boolean
  readonly write: boolean
  /** The command that started the run, as the page should quote it. */
  readonly command: string
}

/** Requests in flight at once in every measurement. */
export const IN_FLIGHT = 10_000
const FULL_REPEATS = 3
const QUICK_REPEATS = 1
const CHILD = new URL('./memory-child.ts', import.meta.url)

/** What a run measured, and the kernel's dropped connection attempts meanwhile. */
interface MemoryRun {
  readonly series: MemorySeries[]
  readonly overflows: number | undefined
}

/** One measurement of client `key`, in its own child process. */
async function measureOnce(key: string, serverUrl: string, count: number): Promise<MemorySample> {
  const output = await runScript(CHILD, ['--client', key, '--url', serverUrl, '--count', String(count)], {
    execArgv: ['--expose-gc'],
    timeoutMs: 60_000,
  })
  return JSON.parse(output.trim().split('\n').at(-1) ?? '') as MemorySample
}

/** Measures every client `repeats` times, against one server; the first client goes first in even repetitions. */
async function measureAll(
  clients: readonly { key: string; name: string }[],
  repeats: number,
  count: number,
): Promise<MemoryRun> {
  const series = clients.map((client) => ({ ...client, samples: [] as MemorySample[] }))
  const before = listenOverflows()
  const server = await startServer()
  try {
    for (let repeat = 0; repeat < repeats; repeat++) {
      const order = repeat % 2 === 0 ? series : [...series].reverse()
      for (const s of order) {
        const sample = await measureOnce(s.key, server.url, count)
        s.samples.push(sample)
        log(
          `memory, repetition ${repeat + 1}/${repeats}: ${s.name}: ${whole((sample.heapInFlight - sample.heapBefore) / count)} B heap, ${whole((sample.rssInFlight - sample.rssBefore) / count)} B RSS per request`,
        )
      }
    }
  } finally {
    await server.stop()
  }
  const after = listenOverflows()
  return { series, overflows: before === undefined || after === undefined ? undefined : after - before }
}

function overflowLines(overflows: number | undefined): string[] {
  if (overflows === undefined) return []
  if (overflows === 0) return ['- No connection attempt was dropped for a full accept queue during the run.']
  return [
    `- The kernel dropped ${whole(overflows)} connection attempts for a full accept queue during the run (\`ListenOverflows\`, machine-wide; the backlog is capped at \`net.core.somaxconn\`); each was retried a second or more later, which lengthens the time until all are held but not the memory held.`,
  ]
}

/**
 * Requests in flight in a smoke run (`--quick`): fewer than a usual accept queue holds
 * (`net.core.somaxconn`, 4096 by default), so that no connection waits for a SYN retried a
 * second or more later and the run cannot miss its deadline for all to be held on a busy
 * machine. Its figures are indicative only, as the rest of a smoke run's.
 */
const QUICK_IN_FLIGHT = 3_000

/**
 * Requests in flight for this run: `IN_FLIGHT` (`QUICK_IN_FLIGHT` for a smoke run), unless the
 * process may not open a socket for each (the client and the server each hold one per
 * request, in separate processes). A smoke run then measures fewer rather than failing on a
 * smaller machine; a full run fails, since its figures would not be comparable.
 */
function inFlightFor(quick: boolean): number {
  const limit = openFileLimit()
  const wanted = quick ? QUICK_IN_FLIGHT : IN_FLIGHT
  const needed = wanted + 500
  if (limit === undefined || limit >= needed) return wanted
  if (!quick)
    throw new Error(`the memory section needs ${needed} open files per process; the limit is ${limit} (ulimit -n)`)
  return Math.max(100, Math.floor((limit - 500) / 100) * 100)
}

/** The soft limit on open files, from /proc (Linux); `undefined` where it cannot be read. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'))
    const soft = line?.split(/\s{2,}/)[1]
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft)
  } catch {
    return undefined
  }
}

/** Runs the memory section, prints its table, and with `write` updates docs/performance.md. */
export async function runMemoryBench(options: MemoryBenchOptions): Promise<void> {
  const repeats = options.quick ? QUICK_REPEATS : FULL_REPEATS
  const clients = [
    { key: 'ky', name: BASELINE },
    { key: 'ply-full', name: PLY_FULL },
  ]
  const count = inFlightFor(options.quick)
  const run = await measureAll(clients, repeats, count)
  const lines = [...memoryVerdicts(run.series), ...overflowLines(run.overflows)]
  const wanted = options.quick ? QUICK_IN_FLIGHT : IN_FLIGHT
  if (count < wanted)
    lines.push(`- Only ${whole(count)} requests in flight: the open-file limit is too low for ${whole(wanted)}.`)
  console.log(['Memory per request in flight', '', toText(memoryTable(run.series)), '', ...lines].join('\n'))
  if (!options.write) return
  const section = [
    MEMORY_SECTION.start,
    `Generated by \`${options.command}\`.`,
    '',
    ...machineLines(options.quick),
    `- Node ${process.version}; ${whole(count)} requests in flight; ${repeats} repetition${repeats === 1 ? '' : 's'} per client, each in a fresh process`,
    '',
    toMarkdown(memoryTable(run.series)),
    '',
    ...lines,
    MEMORY_SECTION.end,
  ].join('\n')
  await writeDoc(section, MEMORY_SECTION)
  log(`docs/performance.md: "${MEMORY_SECTION.heading}" rewritten`)
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      clients: { type: 'string', default: 'ky;ply-full' },
      repeat: { type: 'string', default: '1' },
      count: { type: 'string', default: String(IN_FLIGHT) },
    },
  })
  // Clients are separated by `;` (a `ply:` list has commas of its own).
  const clients = values.clients.split(';').map((key) => ({ key, name: key }))
  const run = await measureAll(clients, Number(values.repeat), Number(values.count))
  console.log(toText(memoryTable(run.series)))
  console.log(overflowLines(run.overflows).join('\n'))
}
