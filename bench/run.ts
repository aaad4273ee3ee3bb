/**
 * `npm run bench [-- --quick] [-- --write] [-- --only overhead|cache]`: two sections, each
 * against a loopback server in a child process, at concurrency 1 and 16.
 *
 * 1. overhead: requests/s and latency of undici.request, fetch, bare ky and ply (empty, and
 *    with five pass-through middlewares). Prints a markdown table.
 * 2. cache: cache hits of ply and its peers against bare ky's round trips (`./cache.ts`).
 *    Prints plain-text tables.
 *
 * `--write` also puts the results in docs/performance.md, `--quick` makes a short smoke run,
 * `--only` runs one section.
 */
import { deepStrictEqual } from 'node:assert/strict'
import { parseArgs } from 'node:util'
import { runCacheBench } from './cache.ts'
import { type BenchClient, withClients } from './clients.ts'
import { log } from './log.ts'
import { cpuTicks, stealShare } from './machine.ts'
import { runTurn } from './measure.ts'
import { PAYLOAD } from './payload.ts'
import { markdownTable, type RunInfo, resultsSection, type Series, verdicts, writeDoc } from './report.ts'
import { interleave } from './rounds.ts'

const CONCURRENCIES = [1, 16] as const
// Many short turns rather than a few long ones: on this shared virtual machine one client's
// req/s swings by a factor of 2 from one half-second to the next, even with nothing else
// running, so only many paired rounds pin a ratio down to a few percent (see
// docs/performance.md, "Method").
const FULL = { rounds: 60, turnMs: 500, warmupMs: 1000 }
// Six rounds is the fewest for which the ratio's interval (min–max then) covers 95%.
const QUICK = { rounds: 6, turnMs: 250, warmupMs: 200 }

const SECTIONS = ['overhead', 'cache'] as const

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, write: { type: 'boolean' }, only: { type: 'string' } },
  })
  const only = values.only
  if (only !== undefined && !SECTIONS.some((section) => section === only))
    throw new Error(`--only takes ${SECTIONS.join(' or ')}, not '${only}'`)
  const args = process.argv.slice(2)
  const options = {
    quick: values.quick === true,
    write: values.write === true,
    command: args.length === 0 ? 'npm run bench' : `npm run bench -- ${args.join(' ')}`,
  }
  if (only !== 'cache') await overheadSection(options)
  if (only !== 'overhead') await runCacheBench(options)
}

async function overheadSection(options: { quick: boolean; write: boolean; command: string }): Promise<void> {
  const { quick, write, command } = options
  const plan: RunInfo = { ...(quick ? QUICK : FULL), quick, command }
  const ticks = cpuTicks()
  const series = await withClients(async (clients) => {
    await checkAnswers(clients)
    const all: Series[] = []
    for (const concurrency of CONCURRENCIES) all.push(...(await measureAll(clients, concurrency, plan)))
    return all
  })
  await report(series, { ...plan, steal: stealShare(ticks, cpuTicks()) }, write)
}

/** Every client must get the payload back, or the numbers would compare different work. */
async function checkAnswers(clients: readonly BenchClient[]): Promise<void> {
  for (const client of clients) deepStrictEqual(await client.call(), PAYLOAD, `${client.name} got a wrong answer`)
}

/** Warms every client up for `info.warmupMs`, then runs the interleaved rounds (`./rounds.ts`). */
async function measureAll(clients: readonly BenchClient[], concurrency: number, info: RunInfo): Promise<Series[]> {
  log(`concurrency ${concurrency}: warm-up`)
  for (const client of clients) await runTurn(client.call, concurrency, info.warmupMs)
  const turn = (client: BenchClient) => runTurn(client.call, concurrency, info.turnMs)
  const turns = await interleave(clients, info.rounds, turn, `concurrency ${concurrency}`)
  return clients.map((client) => ({ client: client.name, concurrency, turns: turns.get(client) ?? [] }))
}

async function report(series: readonly Series[], info: RunInfo, write: boolean): Promise<void> {
  const steal =
    info.steal === undefined ? '' : `\n\nCPU time stolen by the hypervisor: ${(info.steal * 100).toFixed(1)}%`
  console.log(`${markdownTable(series)}\n\n${verdicts(series).join('\n')}${steal}`)
  if (write) {
    await writeDoc(await resultsSection(series, info))
    log('docs/performance.md rewritten')
  }
}

await main()
