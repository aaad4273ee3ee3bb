/**
 * `npm run bench [-- --quick] [-- --write]`: requests/s and latency of undici.request, fetch,
 * bare ky and ply (empty, and with five pass-through middlewares) against a loopback server
 * in a child process, at concurrency 1 and 16. Prints a markdown table; `--write` also puts
 * it in docs/performance.md, `--quick` makes a short smoke run.
 */
import { deepStrictEqual } from 'node:assert/strict'
import { parseArgs } from 'node:util'
import { type BenchClient, withClients } from './clients.ts'
import { cpuTicks, stealShare } from './machine.ts'
import { runTurn, type Turn } from './measure.ts'
import { PAYLOAD } from './payload.ts'
import { markdownTable, type RunInfo, resultsSection, type Series, verdicts, writeDoc } from './report.ts'

const CONCURRENCIES = [1, 16] as const
// Many short turns rather than a few long ones: on this shared virtual machine one client's
// req/s swings by a factor of 2 from one half-second to the next, even with nothing else
// running, so only many paired rounds pin a ratio down to a few percent (see
// docs/performance.md, "Method").
const FULL = { rounds: 60, turnMs: 500, warmupMs: 1000 }
// Six rounds is the fewest for which the ratio's interval (min–max then) covers 95%.
const QUICK = { rounds: 6, turnMs: 250, warmupMs: 200 }

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, write: { type: 'boolean' } } })
  const quick = values.quick === true
  const plan: RunInfo = { ...(quick ? QUICK : FULL), quick }
  const ticks = cpuTicks()
  const series = await withClients(async (clients) => {
    await checkAnswers(clients)
    const all: Series[] = []
    for (const concurrency of CONCURRENCIES) all.push(...(await measureAll(clients, concurrency, plan)))
    return all
  })
  await report(series, { ...plan, steal: stealShare(ticks, cpuTicks()) }, values.write === true)
}

/** Every client must get the payload back, or the numbers would compare different work. */
async function checkAnswers(clients: readonly BenchClient[]): Promise<void> {
  for (const client of clients) deepStrictEqual(await client.call(), PAYLOAD, `${client.name} got a wrong answer`)
}

/**
 * Warms every client up, then runs the rounds. Within a round the clients take turns, so a
 * drift of the machine (thermal, other load) spreads over all of them; each round starts one
 * client later than the one before, so that no client always follows the same neighbour
 * (and, say, always pays for its garbage collection).
 */
async function measureAll(clients: readonly BenchClient[], concurrency: number, info: RunInfo): Promise<Series[]> {
  log(`concurrency ${concurrency}: warm-up`)
  for (const client of clients) await runTurn(client.call, concurrency, info.warmupMs)
  const turns = new Map<BenchClient, Turn[]>(clients.map((client) => [client, []]))
  for (let round = 0; round < info.rounds; round++) {
    const order = clients.map((_, i) => clients[(round + i) % clients.length] as BenchClient)
    const done: string[] = []
    for (const client of order) {
      const turn = await runTurn(client.call, concurrency, info.turnMs)
      turns.get(client)?.push(turn)
      done.push(`${client.name} ${Math.round(turn.rps)}`)
    }
    log(`concurrency ${concurrency}, round ${round + 1}/${info.rounds} (req/s): ${done.join(', ')}`)
  }
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

/** Progress goes to stderr, so that stdout is the table alone. */
function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`)
}

await main()
