import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startScript } from '../support/child.ts'
import { HEAP_TOLERANCE } from './soak-limits.ts'

/** What soak.ts prints (the fields asserted here). */
interface SoakReport {
  requests: number
  settled: number
  lost: number
  untyped: number
  unhandledRejections: number
  uncaughtExceptions: number
  heapBaseline: number
  heapFinal: number
  growth: number
  dedupeInFlight: number
  clientExit: number | null
  outcomes: Record<string, Record<string, number>>
  servers: { received: number; otherOrigin: { received: number; withAuthorization: number } }
}

const REQUESTS = 6_000
const BASELINE = 600

describe('soak, short form (npm run soak runs 50,000)', () => {
  it(`after ${REQUESTS} mixed requests the client's heap is within 10 % of its size after the first ${BASELINE}`, async () => {
    const script = fileURLToPath(new URL('./soak.ts', import.meta.url))
    const args = ['--requests', String(REQUESTS), '--baseline', String(BASELINE), '--readings', '2']
    const { code, stdout, stderr } = await startScript(script, args, 100_000).exited
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as SoakReport
    expect(report.clientExit).toBe(0)
    expect(report.settled).toBe(REQUESTS)
    expect(report.lost).toBe(0)
    expect(report.untyped).toBe(0)
    expect(report.unhandledRejections).toBe(0)
    expect(report.uncaughtExceptions).toBe(0)
    expect(report.dedupeInFlight).toBe(0)
    // Faults of every kind were in the mix, and successes were most of it.
    expect(Object.keys(report.outcomes).length).toBeGreaterThanOrEqual(15)
    // The healthy calls succeed; on a machine loaded enough that a few of them outlast the
    // 250 ms attempt timeout on every attempt, those few end as TimeoutErrors, never otherwise.
    const healthy = report.outcomes.ok ?? {}
    expect(Object.keys(healthy).filter((outcome) => outcome !== 'ok' && outcome !== 'TimeoutError')).toEqual([])
    expect(healthy.ok).toBeGreaterThanOrEqual(REQUESTS * 0.6 * 0.99)
    expect((healthy.ok ?? 0) + (healthy.TimeoutError ?? 0)).toBe(REQUESTS * 0.6)
    expect(report.servers.otherOrigin.received).toBeGreaterThan(0)
    expect(report.servers.otherOrigin.withAuthorization).toBe(0)
    expect(Math.abs(report.growth)).toBeLessThanOrEqual(HEAP_TOLERANCE)
    expect(report.heapFinal).toBeLessThanOrEqual(report.heapBaseline * (1 + HEAP_TOLERANCE))
  })
})
