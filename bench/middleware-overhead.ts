/**
 * What `retry()`, `dedupe()` and a closed `circuitBreaker()` cost on the happy path, against
 * the same stack without them (`parse()` and `auth.bearer()`): first in CPU µs per call with
 * the network stubbed out (steady), then as a share of one loopback call's client CPU with
 * that stack (what a user pays). Targets: under 3% each, and at most 2 µs per call for the
 * breaker, judged on its own (below).
 *
 * The breaker's own cost, too small for the stack's noise to resolve, is also measured alone
 * (bench/circuit-alone.ts; with `REDIS_URL`, its shared mode too).
 *
 *   npx node bench/middleware-overhead.ts [--rounds 40]
 */
import { parseArgs } from 'node:util'
import { auth, circuitBreaker, dedupe, parse, retry } from '../middleware/index.ts'
import { createClient, type FetchFunction, type Middleware } from '../src/index.ts'
import { breakerAlone } from './circuit-alone.ts'
import { median, medianInterval, runTurn } from './measure.ts'
import { payloadFetch } from './payload.ts'
import { startServer } from './spawn.ts'

const stubFetch = payloadFetch()

/** The stack, with `extra` between parse and auth, where a user would put it. */
function stackCall(baseUrl: string, extra: Middleware[], fetch?: FetchFunction): () => Promise<unknown> {
  const client = createClient({ baseUrl, ...(fetch ? { fetch } : {}) }).use(parse())
  for (const middleware of extra) client.use(middleware)
  client.use(auth.bearer('bench-token-0123456789'))
  return async () => (await client.get('/json')).data
}

const variants = (baseUrl: string, fetch?: FetchFunction) => ({
  stack: stackCall(baseUrl, [], fetch),
  'stack + retry': stackCall(baseUrl, [retry()], fetch),
  'stack + dedupe': stackCall(baseUrl, [dedupe()], fetch),
  'stack + circuitBreaker': stackCall(baseUrl, [circuitBreaker()], fetch),
})

/** CPU µs per call of each variant, one entry per round, turns interleaved. */
async function cpuPerCall(
  calls: Record<string, () => Promise<unknown>>,
  rounds: number,
  concurrency: number,
  turnMs: number,
) {
  const samples = new Map<string, number[]>(Object.keys(calls).map((name) => [name, []]))
  for (const call of Object.values(calls)) await runTurn(call, concurrency, turnMs * 2)
  for (let round = 0; round < rounds; round++) {
    for (const [name, call] of Object.entries(calls))
      samples.get(name)?.push((await runTurn(call, concurrency, turnMs)).cpuMicros)
  }
  return samples
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' } } })
const rounds = Number(values.rounds)

const stub = await cpuPerCall(variants('http://127.0.0.1:9', stubFetch), rounds, 1, 200)
const server = await startServer()
const loopback = await cpuPerCall(variants(server.url), Math.max(6, Math.round(rounds / 4)), 16, 400)
await server.stop()

const stackStub = stub.get('stack') ?? []
const stackLoopback = median(loopback.get('stack') ?? [])
console.log(
  `stack (parse, auth.bearer): ${median(stackStub).toFixed(1)} µs CPU per call stubbed, ${stackLoopback.toFixed(0)} µs on loopback (c=16)`,
)
for (const name of ['stack + retry', 'stack + dedupe', 'stack + circuitBreaker']) {
  const deltas = (stub.get(name) ?? []).map((value, round) => value - (stackStub[round] ?? Number.NaN))
  const [low, high] = medianInterval(deltas)
  const share = (median(deltas) / stackLoopback) * 100
  console.log(
    `${name.padEnd(22)} +${median(deltas).toFixed(1)} µs per call (95% CI ${low?.toFixed(1)} to ${high?.toFixed(1)}): ${share.toFixed(1)}% of a loopback call; target < 3%: ${share < 3 ? 'met' : 'NOT met'}`,
  )
}
for (const [name, { median: micros, low, high }] of await breakerAlone(Math.max(10, Math.round(rounds / 2)))) {
  console.log(
    `${name} alone: +${micros.toFixed(2)} µs per call (95% CI ${low.toFixed(2)} to ${high.toFixed(2)}) over a pass-through; target ≤ 2 µs: ${micros <= 2 ? 'met' : 'NOT met'}`,
  )
}
