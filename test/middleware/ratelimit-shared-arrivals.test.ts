// The shared limit as the server counts it: arrivals, not releases. The test server holds the
// first request of every new connection 150 ms (as a TLS handshake would at a real API), so
// the calls that open connections arrive late and those on warm connections at once.

import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ArrivalsServer, startArrivalsServer } from '../support/arrivals-server.ts'
import { startScript } from '../support/child.ts'
import { describeWithRedis, redisCommand } from '../support/redis.ts'
import { busiestWindow } from '../support/windows.ts'

const worker = fileURLToPath(new URL('../support/ratelimit-worker.ts', import.meta.url))
const run = `ply-test-${randomBytes(4).toString('hex')}`
/** A worker still running after this long hangs: it is killed and its test fails. */
const HANG_MS = 60_000

function startWorker(args: string[]) {
  const { child, exited, onStdout } = startScript(worker, args, HANG_MS)
  const ready = new Promise<void>((resolve, reject) => {
    onStdout((stdout) => {
      if (stdout.includes('ready\n')) resolve()
    })
    void exited.then(({ stderr }) => reject(new Error(`worker exited before it was ready: ${stderr}`)))
  })
  ready.catch(() => {})
  return { child, exited, ready }
}

describeWithRedis('rateLimit({ shared }) counted at the server', (redisUrl) => {
  let server: ArrivalsServer
  beforeAll(async () => {
    server = await startArrivalsServer(150)
  })
  afterAll(async () => {
    await server.close()
    await redisCommand(
      redisUrl,
      `EVAL "for _,k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end return 1" 0 ply:${run}*`,
    ).catch(() => {})
  })

  it('two processes at 20/s with new connections arriving 150 ms late: no second of arrivals over 20, ≥ 90% of 20/s', async () => {
    const id = `${run}-two`
    const workers = [0, 1].map(() => startWorker(['client', redisUrl, id, '20', '40', server.url]))
    await Promise.all(workers.map((w) => w.ready))
    for (const w of workers) w.child.stdin.end()
    const results = await Promise.all(workers.map((w) => w.exited))
    for (const { code, stdout, stderr } of results) {
      expect(stderr).toBe('')
      expect(code).toBe(0)
      const summary = stdout
        .split('\n')
        .filter((line) => line.startsWith('{"ok"'))
        .map((line) => JSON.parse(line) as unknown)
      expect(summary).toEqual([{ ok: 40, errors: [] }])
    }
    const hits = server.times('/hit')
    expect(hits).toHaveLength(80)
    expect(new Set(server.arrivals.filter((a) => a.path === '/hit').map((a) => a.pid)).size).toBe(2)
    const busiest = busiestWindow(hits, 1_000)
    const span = Math.max(...hits) - Math.min(...hits)
    // 80 arrivals are 79 gaps: at 20/s, 3.95 s.
    const rate = (79 / span) * 1_000
    console.info(`two processes at 20/s: busiest second ${busiest}, ${rate.toFixed(1)}/s over ${span.toFixed(0)} ms`)
    expect(busiest).toBeLessThanOrEqual(20)
    expect(rate).toBeGreaterThanOrEqual(18)
  })
})
