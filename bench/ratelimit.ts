/**
 * `npx node bench/ratelimit.ts [--quick] [--write]`: what `rateLimit()` costs and how closely
 * it keeps to its limit, against the loopback server of `bench/spawn.ts`.
 *
 * 1. Overhead, with limits far above the request rate: the stack `parse()` + `auth.bearer()`
 *    with and without `rateLimit()` between them, at concurrency 16, in interleaved paired
 *    rounds (req/s ratio with a 95% interval; target ≥ 0.97×), and the CPU µs per call it
 *    adds with the network stubbed out (steadier than loopback on this 2-core VM).
 * 2. Precision, at 50, 200 and 1,000 requests/s (`rateLimit({ perSecond: R })`): a pool of
 *    callers asks as fast as it can for a fixed time; an inner middleware stamps each start
 *    as it leaves the limiter. Achieved rate against the configured one (target within 2%),
 *    and the most starts in any sliding second (target: never above R).
 * 3. A plot of starts per 100 ms against R/10 (docs/ratelimit-precision.svg).
 *
 * Prints markdown on stdout, progress on stderr; `--write` also writes
 * docs/ratelimit-bench.md and the SVG. `--quick` is a short smoke run.
 */
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import { parseArgs } from 'node:util'
import { auth, parse } from '../middleware/index.ts'
import { rateLimit } from '../middleware/ratelimit/index.ts'
import { createClient, type FetchFunction } from '../src/index.ts'
import { cpuTicks, stealShare } from './machine.ts'
import { median, medianInterval, runTurn } from './measure.ts'
import { payloadFetch } from './payload.ts'
import { precisionSvg } from './ratelimit-plot.ts'
import { analyse, type PrecisionRow, precisionRun } from './ratelimit-precision.ts'
import { PRECISION_METHOD, panelsOf, precisionSection, RATES, signed, verdict } from './ratelimit-report.ts'
import { startServer } from './spawn.ts'

interface Plan {
  /** Paired loopback rounds, and each turn's length. */
  readonly rounds: number
  readonly turnMs: number
  readonly warmupMs: number
  /** Paired rounds with the network stubbed out (CPU per call). */
  readonly stubRounds: number
  readonly stubTurnMs: number
  /** How long each precision run asks; whole seconds, so that R × seconds is the exact bound. */
  readonly precisionMs: number
  readonly quick: boolean
}

const FULL: Plan = {
  rounds: 60,
  turnMs: 500,
  warmupMs: 1000,
  stubRounds: 40,
  stubTurnMs: 200,
  precisionMs: 5000,
  quick: false,
}
const QUICK: Plan = {
  rounds: 6,
  turnMs: 250,
  warmupMs: 200,
  stubRounds: 6,
  stubTurnMs: 100,
  precisionMs: 2000,
  quick: true,
}

const CONCURRENCY = 16
const OVERHEAD_TARGET = 0.97
/** Limits far above what this machine can do, so that the limiter never holds a request. */
const FAR_ABOVE = { perSecond: 1_000_000, perMinute: 1_000_000, concurrency: 10_000 } as const

const DOC = new URL('../docs/ratelimit-bench.md', import.meta.url)
const SVG = new URL('../docs/ratelimit-precision.svg', import.meta.url)

const stubFetch = payloadFetch()

// ---------------------------------------------------------------------------------------------
// 1. Overhead

interface Variant {
  readonly call: () => Promise<unknown>
  /** How often the limiter made a request wait (counted by the client's `rateLimited` events): 0 means the fast path every time. */
  readonly waits: () => number
}

/** `parse()`, then `rateLimit()` if `limited`, then `auth.bearer()`: the order a user would use. */
function variant(baseUrl: string, limited: boolean, fetch?: FetchFunction): Variant {
  let waits = 0
  const client = createClient({ baseUrl, ...(fetch ? { fetch } : {}) }).use(parse())
  if (limited) client.use(rateLimit(FAR_ABOVE)).on('rateLimited', () => void waits++)
  client.use(auth.bearer('x'))
  return { call: async () => (await client.get('/json')).data, waits: () => waits }
}

interface Paired {
  /** One value per round for the stack alone, and for the stack with `rateLimit()`. */
  readonly plain: number[]
  readonly limited: number[]
  /** CPU µs per call, one per round, when the values above are not CPU. */
  readonly plainCpu: number[]
  readonly limitedCpu: number[]
}

/**
 * Warms both variants up, then runs paired rounds; the order within a round alternates, so
 * that neither always follows the other (and pays for its garbage).
 */
async function pairedRounds(
  plain: Variant,
  limited: Variant,
  concurrency: number,
  rounds: number,
  turnMs: number,
  warmupMs: number,
  label: string,
): Promise<Paired> {
  const result: Paired = { plain: [], limited: [], plainCpu: [], limitedCpu: [] }
  await runTurn(plain.call, concurrency, warmupMs)
  await runTurn(limited.call, concurrency, warmupMs)
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ([plain, limited] as const) : ([limited, plain] as const)
    for (const v of order) {
      const turn = await runTurn(v.call, concurrency, turnMs)
      ;(v === plain ? result.plain : result.limited).push(turn.rps)
      ;(v === plain ? result.plainCpu : result.limitedCpu).push(turn.cpuMicros)
    }
    const ratio = (result.limited.at(-1) ?? 0) / (result.plain.at(-1) ?? 1)
    log(`${label}, round ${round + 1}/${rounds}: × ${ratio.toFixed(3)}`)
  }
  return result
}

interface Overhead {
  readonly rps: number
  readonly limitedRps: number
  readonly ratio: number
  readonly ratioInterval: readonly [number, number]
  readonly loopbackCpu: number
  readonly limitedLoopbackCpu: number
  readonly stubCpu: number
  readonly limitedStubCpu: number
  readonly stubDelta: number
  readonly stubDeltaInterval: readonly [number, number]
  /** `rateLimited` events in all the limited turns: 0 when every request took the fast path. */
  readonly waits: number
}

async function measureOverhead(baseUrl: string, plan: Plan): Promise<Overhead> {
  const stubPlain = variant('http://127.0.0.1:9', false, stubFetch)
  const stubLimited = variant('http://127.0.0.1:9', true, stubFetch)
  const stub = await pairedRounds(
    stubPlain,
    stubLimited,
    1,
    plan.stubRounds,
    plan.stubTurnMs,
    plan.stubTurnMs * 2,
    'overhead, network stubbed',
  )
  const plain = variant(baseUrl, false)
  const limited = variant(baseUrl, true)
  const loop = await pairedRounds(
    plain,
    limited,
    CONCURRENCY,
    plan.rounds,
    plan.turnMs,
    plan.warmupMs,
    `overhead, loopback c=${CONCURRENCY}`,
  )
  const ratios = loop.limited.map((rps, round) => rps / (loop.plain[round] ?? Number.NaN))
  const deltas = stub.limitedCpu.map((cpu, round) => cpu - (stub.plainCpu[round] ?? Number.NaN))
  return {
    rps: median(loop.plain),
    limitedRps: median(loop.limited),
    ratio: median(ratios),
    ratioInterval: medianInterval(ratios),
    loopbackCpu: median(loop.plainCpu),
    limitedLoopbackCpu: median(loop.limitedCpu),
    stubCpu: median(stub.plainCpu),
    limitedStubCpu: median(stub.limitedCpu),
    stubDelta: median(deltas),
    stubDeltaInterval: medianInterval(deltas),
    waits: stubLimited.waits() + limited.waits(),
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const whole = (n: number): string => Math.round(n).toLocaleString('en-US')
const fixed = (n: number, digits: number): string => n.toFixed(digits)

function overheadSection(o: Overhead): string[] {
  const [low, high] = o.ratioInterval
  const [dLow, dHigh] = o.stubDeltaInterval
  const share = (o.stubDelta / o.loopbackCpu) * 100
  const noise =
    low <= OVERHEAD_TARGET && OVERHEAD_TARGET <= high
      ? `; the 95% interval (${fixed(low, 2)}–${fixed(high, 2)}) holds ${OVERHEAD_TARGET}: within this run's noise`
      : ` (95% interval ${fixed(low, 2)}–${fixed(high, 2)})`
  return [
    '| Stack | req/s, loopback, c=16 (median) | CPU µs/req, loopback | CPU µs/call, network stubbed |',
    '| --- | ---: | ---: | ---: |',
    `| \`parse()\`, \`auth.bearer()\` | ${whole(o.rps)} | ${whole(o.loopbackCpu)} | ${fixed(o.stubCpu, 1)} |`,
    `| \`parse()\`, \`rateLimit()\`, \`auth.bearer()\` | ${whole(o.limitedRps)} | ${whole(o.limitedLoopbackCpu)} | ${fixed(o.limitedStubCpu, 1)} |`,
    `| with ÷ without (paired rounds) | **${fixed(o.ratio, 3)}×** (95% CI ${fixed(low, 2)}–${fixed(high, 2)}) | | **${signed(o.stubDelta, 1)} µs** (95% CI ${signed(dLow, 1)} to ${signed(dHigh, 1)}) |`,
    '',
    `- Requests/s with \`rateLimit()\`: ${fixed(o.ratio, 3)}× the same stack without it; target ≥ ${OVERHEAD_TARGET}×: ${verdict(o.ratio >= OVERHEAD_TARGET)}${noise}.`,
    `- CPU per call with the network stubbed out: ${signed(o.stubDelta, 1)} µs, ${fixed(share, 1)}% of one loopback call's client CPU with this stack (${whole(o.loopbackCpu)} µs); under 3% (what ≥ 0.97× needs, steadier to measure): ${verdict(share < 3)}.`,
    `- The limiter made a request wait ${o.waits} times in all the overhead turns (counted by the client's \`rateLimited\` events): ${o.waits === 0 ? 'every request took the fast path' : '**the fast path was not always taken**'}.`,
  ]
}

const METHOD = [
  '- **Overhead.** The stack is `parse()` then `auth.bearer()`; the variant puts',
  '  `rateLimit({ perSecond: 1_000_000, perMinute: 1_000_000, concurrency: 10_000 })` between',
  '  them, where a user would. On loopback (the server of `bench/spawn.ts` in a child process),',
  '  16 workers call `GET /json` one after another; the two stacks take turns in paired rounds',
  '  (order alternating), and the ratio is the median of per-round ratios with a',
  '  distribution-free 95% interval (as in `bench/run.ts`). The same pairs run with the network',
  '  stubbed out (an in-process `fetch`, concurrency 1), where the CPU µs per call is steady.',
  ...PRECISION_METHOD,
]

async function setting(plan: Plan, steal: number | undefined): Promise<string[]> {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? 'unknown CPU'
  return [
    `- Date: ${new Date().toISOString().slice(0, 10)}${plan.quick ? ' (**--quick run**: indicative only)' : ''}`,
    `- Machine: ${cpus.length} cores (${model}), ${os.type()} ${os.release()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM`,
    `- Node ${process.version} (global fetch on its bundled undici ${process.versions.undici ?? '?'})`,
    `- Run: overhead ${plan.rounds} paired rounds × ${plan.turnMs / 1000} s on loopback and ${plan.stubRounds} × ${plan.stubTurnMs / 1000} s stubbed; precision ${plan.precisionMs / 1000} s per rate`,
    ...(steal === undefined ? [] : [`- CPU time stolen by the hypervisor during the run: ${fixed(steal * 100, 1)}%`]),
  ]
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, write: { type: 'boolean' } } })
  const plan = values.quick === true ? QUICK : FULL
  const ticks = cpuTicks()
  const server = await startServer()
  let overhead: Overhead
  const rows: PrecisionRow[] = []
  try {
    overhead = await measureOverhead(server.url, plan)
    for (const [rate, callers] of RATES) {
      log(`precision: ${rate}/s with ${callers} callers for ${plan.precisionMs / 1000} s`)
      const row = analyse(await precisionRun(server.url, rate, callers, plan.precisionMs))
      log(`precision: ${rate}/s achieved ${fixed(row.achieved, 1)}/s, most in any second ${row.maxSecond}`)
      rows.push(row)
    }
  } finally {
    await server.stop()
  }
  const steal = stealShare(ticks, cpuTicks())
  const command = `npx node bench/ratelimit.ts${plan.quick ? ' --quick' : ''} --write`
  const body = [
    '### Overhead with limits far above the request rate',
    '',
    ...overheadSection(overhead),
    '',
    '### Achieved rate against the configured one',
    '',
    ...precisionSection(rows),
    '',
    '![Requests started per 100 ms at 50, 200 and 1,000 requests/s, against the configured limit](ratelimit-precision.svg)',
  ]
  console.log(body.join('\n'))
  if (values.write === true) {
    const doc = [
      '## Benchmark',
      '',
      `Generated by \`${command}\`.`,
      '',
      ...(await setting(plan, steal)),
      '',
      ...body,
      '',
      '### Method',
      '',
      ...METHOD,
      '',
    ]
    await writeFile(DOC, doc.join('\n'))
    await writeFile(SVG, precisionSvg(panelsOf(rows), 'rateLimit({ perSecond: R }): requests started over time'))
    log('docs/ratelimit-bench.md and docs/ratelimit-precision.svg written')
  }
}

/** Progress goes to stderr, so that stdout is the markdown alone. */
function log(message: string): void {
  process.stderr.write(`bench/ratelimit: ${message}\n`)
}

await main()
