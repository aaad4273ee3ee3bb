// The client side of the soak, run by soak.ts in a process of its own with --expose-gc:
//
//   node --expose-gc test/reliability/soak-client.ts <chaosUrl> <otherOriginUrl> <baseline> <requests> [readings]
//
// Makes <requests> calls of the soak mix through the full stack, SOAK_CONCURRENCY at a time.
// After the first <baseline> calls, and then <readings> - 1 times at even steps to the end
// (default 10 readings in all), it lets every call settle, collects garbage and reads the
// heap. Prints one line of JSON; never calls process.exit.

import { PlyError } from '../../src/index.ts'
import { soakCall } from './soak-mix.ts'
import { chaosStack, retriesByMethod } from './stack.ts'

const SOAK_CONCURRENCY = 32

const [base, other, baselineArg, requestsArg, readingsArg = '10'] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string?,
]
const baseline = Number(baselineArg)
const requests = Number(requestsArg)
const steps = Math.max(1, Number(readingsArg) - 1)
const gc = (globalThis as { gc?: () => void }).gc
if (!base || !other || !(baseline > 0) || !(requests > baseline)) {
  throw new Error('usage: soak-client.ts <chaosUrl> <otherOriginUrl> <baseline> <requests> (requests > baseline)')
}
if (gc === undefined) throw new Error('run with --expose-gc: the heap is read after a full collection')

const trouble = { unhandledRejections: 0, uncaughtExceptions: 0 }
process.on('unhandledRejection', () => {
  trouble.unhandledRejections += 1
})
process.on('uncaughtException', () => {
  trouble.uncaughtExceptions += 1
})

const stack = chaosStack({
  baseUrl: base,
  token: 'soak-token-9b3e77',
  timeout: 250,
  maxRedirects: 4,
  budget: { ratio: 0.2, windowMs: 10_000, minRetries: 10 },
})

const outcomes: Record<string, Record<string, number>> = {}
let settled = 0
let untyped = 0

async function call(i: number): Promise<void> {
  const { kind, method, path, options } = soakCall(i, other)
  const table = outcomes[kind] ?? {}
  outcomes[kind] = table
  let outcome = 'ok'
  try {
    await stack.client.request(method, path, options)
  } catch (error) {
    if (!(error instanceof PlyError)) untyped += 1
    outcome = error instanceof Error ? error.name : typeof error
  }
  table[outcome] = (table[outcome] ?? 0) + 1
  settled += 1
}

/** Makes calls `from` to `to - 1`, SOAK_CONCURRENCY at a time, and waits until all have settled. */
async function run(from: number, to: number): Promise<void> {
  let next = from
  const worker = async () => {
    for (let i = next++; i < to; i = next++) await call(i)
  }
  await Promise.all(Array.from({ length: SOAK_CONCURRENCY }, worker))
}

/**
 * Heap used once garbage has settled, in bytes: full collections with pauses between them, so
 * that the finalisers that free what fetch and ky hold weakly (abort signals and their
 * listeners) run, and the lowest of the readings. A single collection leaves a few thousand
 * of them, a megabyte or more that comes and goes with the timing of the collection.
 */
async function heapUsed(): Promise<number> {
  let lowest = Number.POSITIVE_INFINITY
  for (let round = 0; round < 4; round++) {
    gc?.()
    await new Promise((resolve) => setTimeout(resolve, 25))
    gc?.()
    lowest = Math.min(lowest, process.memoryUsage().heapUsed)
  }
  return lowest
}

const started = performance.now()
const readings: { at: number; heapUsed: number }[] = []
const checkpoints = [
  baseline,
  ...Array.from({ length: steps }, (_, k) => Math.round(baseline + ((requests - baseline) * (k + 1)) / steps)),
]
let done = 0

let printed = false
/** Prints the run's one line of JSON (once). */
function report(): void {
  if (printed) return
  printed = true
  const heapBaseline = readings[0]?.heapUsed ?? Number.NaN
  const heapFinal = readings.at(-1)?.heapUsed ?? Number.NaN
  const line = {
    requests,
    settled,
    lost: requests - settled,
    untyped,
    ...trouble,
    durationMs: Math.round(performance.now() - started),
    baseline,
    heapBaseline,
    heapFinal,
    growth: (heapFinal - heapBaseline) / heapBaseline,
    readings,
    dedupeInFlight: stack.dedupe.inFlight,
    retries: retriesByMethod(stack.counts),
    outcomes,
  }
  process.stdout.write(`${JSON.stringify(line)}\n`)
}
// A call that never settles leaves the event loop empty: report what is known, lost calls included.
process.on('beforeExit', report)

for (const at of checkpoints) {
  await run(done, at)
  done = at
  readings.push({ at, heapUsed: await heapUsed() })
}
report()
