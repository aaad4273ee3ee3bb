import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ChaosServer, startChaosServer } from '../support/chaos-server.ts'
import { type ScriptExit, startScript } from '../support/child.ts'
import { MAX_REDIRECTS, SCENARIOS } from './scenarios.ts'
import { type AttemptCounts, type BudgetSettings, retryBound, sum } from './stack.ts'

/** What chaos-run.ts prints. */
interface RunReport extends AttemptCounts {
  calls: number
  settled: number
  lost: number
  doubleSettled: number
  reportedCalls: number
  reportedTwice: number
  untyped: number
  unhandledRejections: number
  uncaughtExceptions: number
  details: string[]
  durationMs: number
  dedupeInFlight: number
  budget: BudgetSettings
  outcomes: Record<string, Record<string, number>>
}

let chaos: ChaosServer
let other: ChaosServer
let exit: ScriptExit
let report: RunReport
/** How long the child lived after printing its report: it must end by itself, at once. */
let lingeredMs = 0

// The servers live here, the client in the child: when the child ends, only the client's own
// timers and sockets could have held it.
beforeAll(async () => {
  chaos = await startChaosServer()
  other = await startChaosServer()
  const script = fileURLToPath(new URL('./chaos-run.ts', import.meta.url))
  const running = startScript(script, [chaos.url, other.url], 90_000)
  let printedAt = 0
  running.onStdout((stdout) => {
    if (!printedAt && stdout.includes('\n')) printedAt = performance.now()
  })
  exit = await running.exited
  lingeredMs = performance.now() - printedAt
  report = JSON.parse(exit.stdout.trim().split('\n').at(-1) ?? '{}') as RunReport
})
afterAll(async () => {
  await chaos.close()
  await other.close()
})

const callsMade = SCENARIOS.reduce((total, scenario) => total + scenario.calls, 0)
const pathOf = (path: string) => new URL(path, 'http://x').pathname

describe('the chaos run, in a child process, through the full stack', () => {
  it('ends by itself with code 0 soon after its last call, with nothing on stderr', () => {
    expect(exit.stderr).toBe('')
    expect(exit.code).toBe(0)
    // A timer or socket the client left would hold it for seconds (or for good).
    expect(lingeredMs).toBeLessThan(3_000)
  })

  it('settles every call exactly once, each with a result or a PlyError, and leaves nothing unhandled', () => {
    expect(report.calls).toBe(callsMade)
    expect(report.settled).toBe(callsMade)
    expect(report.lost).toBe(0)
    expect(report.doubleSettled).toBe(0)
    expect(report.reportedCalls).toBe(callsMade)
    expect(report.reportedTwice).toBe(0)
    expect(report.untyped).toBe(0)
    expect(report.details).toEqual([])
    expect(report.unhandledRejections).toBe(0)
    expect(report.uncaughtExceptions).toBe(0)
    expect(report.dedupeInFlight).toBe(0)
  })

  it('ends each kind of fault the way it should', () => {
    for (const scenario of SCENARIOS) {
      const outcomes = report.outcomes[scenario.name] ?? {}
      expect(sum(outcomes), scenario.name).toBe(scenario.calls)
      for (const outcome of Object.keys(outcomes)) {
        expect(scenario.outcomes, `${scenario.name}: ${JSON.stringify(outcomes)}`).toContain(outcome)
      }
    }
    // Of two callers sharing a request, the one that aborts does not take the other down.
    expect(report.outcomes['two callers share a slow call, one aborts']).toEqual({ ok: 8, AbortError: 8 })
  })

  it('sends a call that must not be retried exactly once (a POST against 503s and resets included)', () => {
    const once = SCENARIOS.filter((scenario) => scenario.hitsPerCall !== undefined)
    expect(once.map((scenario) => scenario.name)).toEqual(
      expect.arrayContaining(['503, POST', '503 with Retry-After: 0, POST', 'reset before the response, POST']),
    )
    for (const scenario of once) {
      for (let i = 0; i < scenario.calls; i++) {
        const received = chaos.byPath.get(`${scenario.method} ${pathOf(scenario.path(i, other.url))}`)
        expect(received, `${scenario.name} #${i}`).toBe(scenario.hitsPerCall)
      }
    }
  })

  it('retries no more than the budget allows: ratio × calls that reached retry() + minRetries', () => {
    const entries = sum(report.entries)
    const retries = sum(report.attempts) - entries
    expect(retries).toBeGreaterThan(0)
    expect(retries).toBeLessThanOrEqual(retryBound(report.budget, entries))
    // POSTs are retried only when the call opted in with an Idempotency-Key.
    const keyed = SCENARIOS.find((scenario) => scenario.name.includes('Idempotency-Key'))
    const postRetries =
      sum(report.attempts, (key) => key.startsWith('POST')) - sum(report.entries, (key) => key.startsWith('POST'))
    expect(postRetries).toBeLessThanOrEqual((keyed?.calls ?? 0) * 2)
  })

  it('the server saw no more requests than the attempts the client counted (a loop counts each hop)', () => {
    for (const [key, received] of chaos.byBehaviour) {
      const attempts = report.attempts[key] ?? 0
      if (key === 'GET loop') expect(received).toBe(attempts * (MAX_REDIRECTS + 1))
      else expect(received, key).toBeLessThanOrEqual(attempts)
    }
  })

  it('a redirect to the other origin arrives there without the bearer token', () => {
    const crossing = SCENARIOS.find((scenario) => scenario.behaviour === 'redirect')
    expect(other.total).toBe(crossing?.calls)
    expect(other.authorized).toBe(0)
    expect(chaos.authorized).toBe(chaos.total)
  })
})
