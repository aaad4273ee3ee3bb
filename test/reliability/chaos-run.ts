// Run as a child process by chaos.test.ts (or by hand):
//
//   npx node test/reliability/chaos-run.ts <chaosUrl> <otherOriginUrl>
//
// Makes every call of SCENARIOS through the full stack against a chaos server the parent
// runs, RUN_CONCURRENCY units at a time, counts how each call settles, and prints one line of
// JSON. It never calls process.exit: it must end by itself, which it can only do when the
// client left no timer or socket behind.

import { PlyError, type RequestOptions } from '../../src/index.ts'
import {
  MAX_REDIRECTS,
  RUN_CONCURRENCY,
  RUN_DEADLINE_MS,
  RUN_TIMEOUT_MS,
  SCENARIOS,
  type Scenario,
  unitsOf,
} from './scenarios.ts'
import { chaosStack } from './stack.ts'

const [base, other] = process.argv.slice(2) as [string, string]
if (!base || !other) throw new Error('usage: chaos-run.ts <chaosUrl> <otherOriginUrl>')

const trouble = { unhandledRejections: 0, uncaughtExceptions: 0, details: [] as string[] }
process.on('unhandledRejection', (reason) => {
  trouble.unhandledRejections += 1
  trouble.details.push(`unhandledRejection: ${String(reason)}`)
})
process.on('uncaughtException', (error) => {
  trouble.uncaughtExceptions += 1
  trouble.details.push(`uncaughtException: ${String(error)}`)
})

const TOKEN = 'chaos-token-5f0c1d'
const budget = { ratio: 0.2, windowMs: 60_000, minRetries: 10 }
const stack = chaosStack({ baseUrl: base, token: TOKEN, timeout: RUN_TIMEOUT_MS, maxRedirects: MAX_REDIRECTS, budget })

/** How the calls of each scenario ended: `ok` or the error's class name, with counts. */
const outcomes: Record<string, Record<string, number>> = Object.fromEntries(SCENARIOS.map((s) => [s.name, {}]))
/** Per call: how many times it settled (0 = lost, more than 1 = settled twice). */
const settledTimes: number[] = []
let untyped = 0
/**
 * The client's own account: `response` events per call id. The promise of a call settles once
 * by construction; these show the stack reported each call exactly once, whichever way it
 * ended (a retry, a dedupe follower or a redirect must not report twice, nor none).
 */
const responseEvents = new Map<number, number>()
stack.client.on('response', (event) => responseEvents.set(event.id, (responseEvents.get(event.id) ?? 0) + 1))

/** Makes call `i` of `scenario`; resolves when it has settled, whichever way. */
function call(scenario: Scenario, i: number): Promise<void> {
  const id = settledTimes.push(0) - 1
  const table = outcomes[scenario.name] as Record<string, number>
  const settle = (outcome: string) => {
    settledTimes[id] = (settledTimes[id] ?? 0) + 1
    table[outcome] = (table[outcome] ?? 0) + 1
  }
  const options: RequestOptions = {
    deadline: RUN_DEADLINE_MS,
    ...(scenario.method === 'POST' ? { json: { i } } : {}),
    ...scenario.options?.(i),
  }
  return stack.client.request(scenario.method, scenario.path(i, other), options).then(
    () => settle('ok'),
    (error: unknown) => {
      if (!(error instanceof PlyError)) untyped += 1
      settle(error instanceof Error ? error.name : typeof error)
    },
  )
}

let printed = false
const started = performance.now()
function report(): void {
  if (printed) return
  printed = true
  const line = {
    calls: settledTimes.length,
    settled: settledTimes.filter((times) => times > 0).length,
    lost: settledTimes.filter((times) => times === 0).length,
    doubleSettled: settledTimes.filter((times) => times > 1).length,
    untyped,
    reportedCalls: responseEvents.size,
    reportedTwice: [...responseEvents.values()].filter((times) => times > 1).length,
    ...trouble,
    durationMs: Math.round(performance.now() - started),
    dedupeInFlight: stack.dedupe.inFlight,
    entries: stack.counts.entries,
    attempts: stack.counts.attempts,
    budget: stack.budget,
    outcomes,
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}

// A call that never settles leaves nothing for the event loop to wait on: the process would
// end silently. Report what is known then, with the lost calls counted.
process.on('beforeExit', report)
// If something holds the process open instead, report before the parent's limit kills it.
setTimeout(report, 20_000).unref()

const units = unitsOf(SCENARIOS)
let nextUnit = 0
async function worker(): Promise<void> {
  for (let unit = units[nextUnit++]; unit !== undefined; unit = units[nextUnit++]) {
    const { scenario, first, count } = unit
    await Promise.all(Array.from({ length: count }, (_, k) => call(scenario, first + k)))
  }
}
await Promise.all(Array.from({ length: RUN_CONCURRENCY }, worker))
report()
