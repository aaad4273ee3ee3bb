/**
 * Where the full stack's time goes: bare ky, then ply with the full stack's middlewares added
 * one at a time in its order (`./full-stack.ts`: empty, + parse, + cache, + dedupe, + retry,
 * + rateLimit, + auth), each call on a distinct URL of `/nostore` (as in the throughput
 * section). By default without the network: every client calls an in-process `fetch` that
 * answers at once with the payload and `Cache-Control: no-store`; with `--loopback`, Node's
 * `fetch` against the bench server (`./server.ts`). Every variant takes a turn in every round
 * (the order moving by one each round); each step's cost is the median over rounds of its CPU
 * µs per call minus the previous step's in the same round, with a 95% interval.
 *
 *   npx node bench/stack-breakdown.ts [--rounds 30] [--turn-ms 200] [--concurrency 1] [--loopback]
 */
import { parseArgs } from 'node:util'
import ky from 'ky'
import { distinctPaths } from './clients.ts'
import { plyStack, STACK_PARTS, type StackPart } from './full-stack.ts'
import { median, medianInterval, runTurn, type Turn } from './measure.ts'
import { payloadFetch } from './payload.ts'
import { interleave } from './rounds.ts'
import { startServer } from './spawn.ts'

const stubFetch = payloadFetch({ 'cache-control': 'no-store' })

interface Variant {
  readonly name: string
  readonly call: () => Promise<unknown>
}

/** The variants against `baseUrl`, through `fetch` (Node's own when `undefined`). */
function variants(baseUrl: string, fetch: typeof stubFetch | undefined): Variant[] {
  const kyPath = distinctPaths(`${baseUrl}/nostore`)
  const kyOptions = fetch === undefined ? { retry: 0 } : { retry: 0, fetch }
  const list: Variant[] = [{ name: 'bare ky', call: () => ky.get(kyPath(), kyOptions).json() }]
  for (let n = 0; n <= STACK_PARTS.length; n++) {
    const parts: StackPart[] = STACK_PARTS.slice(0, n)
    const { client } = plyStack(baseUrl, parts, fetch)
    const path = distinctPaths('/nostore')
    const name = n === 0 ? 'ply (empty stack)' : `+ ${parts.at(-1)}`
    list.push({ name, call: async () => (await client.get(path())).data })
  }
  return list
}

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '30' },
    'turn-ms': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '1' },
    loopback: { type: 'boolean' },
  },
})
const server = values.loopback === true ? await startServer() : undefined
const concurrency = Number(values.concurrency)
const turnMs = Number(values['turn-ms'])
const list = server === undefined ? variants('http://127.0.0.1:9', stubFetch) : variants(server.url, undefined)
for (const v of list) await runTurn(v.call, concurrency, turnMs * 2) // warm-up
const turns = await interleave(list, Number(values.rounds), (v) => runTurn(v.call, concurrency, turnMs), 'breakdown')
await server?.stop()
const cpu = (v: Variant | undefined): number[] =>
  ((v === undefined ? undefined : turns.get(v)) ?? []).map((t: Turn) => t.cpuMicros)

const fmt = (n: number): string => `${n >= 0 ? '+' : '−'}${Math.abs(n).toFixed(1)}`
const where = server === undefined ? 'network stubbed' : 'loopback'
console.log(`CPU µs per call, ${where}, concurrency ${concurrency}, ${values.rounds} rounds × ${turnMs} ms`)
console.log('| Stack | CPU µs/call | Added by this step | 95% CI | Over bare ky |')
console.log('| --- | ---: | ---: | ---: | ---: |')
const ky0 = cpu(list[0])
list.forEach((v, i) => {
  const own = cpu(v)
  const previous = cpu(list[i - 1])
  const deltas = own.map((value, round) => value - (previous[round] ?? Number.NaN))
  const overKy = own.map((value, round) => value - (ky0[round] ?? Number.NaN))
  const [low, high] = medianInterval(deltas)
  const step = i === 0 ? '' : fmt(median(deltas))
  const ci = i === 0 ? '' : `${fmt(low)} to ${fmt(high)}`
  console.log(`| ${v.name} | ${median(own).toFixed(1)} | ${step} | ${ci} | ${i === 0 ? '' : fmt(median(overKy))} |`)
})
