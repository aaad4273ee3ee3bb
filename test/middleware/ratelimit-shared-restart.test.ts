// A Redis restart under a shared limit: two processes share 20/s through a redis-server of the
// test's own, which is killed and started again empty (no persistence, as after a failover or
// a restart of a cache-only Redis). While it is down the calls fail fast with RateLimitError
// and none is sent; once it answers again both processes send at the shared rate, never above.

import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { sharedLimiter } from '../../redis/limiters.ts'
import { type ArrivalsServer, startArrivalsServer } from '../support/arrivals-server.ts'
import { startScript } from '../support/child.ts'
import { describeWithRedis, redisCommand } from '../support/redis.ts'
import { type PrivateRedis, privateRedis } from '../support/redis-server.ts'
import { busiestWindow } from '../support/windows.ts'

const worker = fileURLToPath(new URL('../support/ratelimit-worker.ts', import.meta.url))
const LIMIT = 20
/** Every wait below is bounded by it: past it the test fails instead of hanging. */
const BOUND_MS = 30_000

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `done()` holds, polling; throws after `BOUND_MS`. */
async function until(what: string, done: () => boolean): Promise<void> {
  const began = performance.now()
  while (!done()) {
    if (performance.now() - began > BOUND_MS) throw new Error(`timed out waiting until ${what}`)
    await delay(20)
  }
}

/** The JSON lines a worker printed. */
function lines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

describeWithRedis('rateLimit({ shared }) across a Redis restart', () => {
  let server: ArrivalsServer
  let redis: PrivateRedis
  beforeAll(async () => {
    server = await startArrivalsServer(150)
    redis = await privateRedis()
  })
  afterAll(async () => {
    await server.close()
    await redis.close()
  })

  it('fails fast while Redis is down, sends nothing, and resumes within 5 s of it answering, never above the limit', async () => {
    await redis.start()
    const id = `ply-test-${randomBytes(4).toString('hex')}`
    const workers = [0, 1].map(() =>
      startScript(worker, ['steady', redis.url, id, String(LIMIT), '500', server.url], 2 * BOUND_MS),
    )
    try {
      const hitsOf = (pid: number | undefined) => server.arrivals.filter((a) => a.pid === String(pid))
      await until('both workers send', () => workers.every((w) => hitsOf(w.child.pid).length >= 10))

      await redis.stop()
      const stoppedAt = performance.now()
      const failed = (w: (typeof workers)[number]) => lines(w.stdout).some((line) => 'failed' in line)
      await until('both workers fail', () => workers.every(failed))
      // Down a while longer: every call made now must fail, and none may reach the server.
      await delay(1_500)
      const downUntil = performance.now()

      await redis.start()
      const answeredAt = performance.now()
      await until('both workers send again', () =>
        workers.every((w) => hitsOf(w.child.pid).some((a) => a.at > answeredAt)),
      )
      const resumedAt = Math.max(
        ...workers.map((w) => Math.min(...hitsOf(w.child.pid).flatMap((a) => (a.at > answeredAt ? [a.at] : [])))),
      )
      // Four seconds at the shared rate after both are back (the first window pays for new
      // connections again: a round trip of 150 ms more).
      await delay(4_000)
      for (const w of workers) w.child.stdin.end()
      const exits = await Promise.all(workers.map((w) => w.exited))
      const hits = server.times('/hit')
      const afterResuming = hits.filter((at) => at >= resumedAt && at < resumedAt + 4_000).length
      console.info(
        `Redis restart: both processes sent again ${(resumedAt - answeredAt).toFixed(0)} ms after it answered; ` +
          `${afterResuming} arrivals in the 4 s after; busiest second ${busiestWindow(hits, 1_000)}`,
      )

      for (const { code, stderr, stdout } of exits) {
        const output = `worker output:\n${stdout}\n${stderr}`
        expect(stderr, output).toBe('')
        expect(code, output).toBe(0)
        const failures = lines(stdout).filter((line) => 'failed' in line)
        expect(failures.length, output).toBeGreaterThan(0)
        // Typed, and fast: within connectTimeout (500 ms), with room for a loaded machine.
        for (const failure of failures) expect(failure.failed, output).toBe('RateLimitError')
        expect(Math.max(...failures.map((f) => Number(f.ms))), output).toBeLessThan(5_000)
        expect(
          lines(stdout).some((line) => 'resumed' in line),
          output,
        ).toBe(true)
      }
      // Nothing sent unlimited while Redis was down (a call that started before the kill may
      // still arrive just after it; a second later none can).
      expect(
        hits.filter((at) => at > stoppedAt + 1_000 && at < answeredAt),
        'arrivals while Redis was down',
      ).toEqual([])
      expect(downUntil).toBeLessThan(answeredAt)
      expect(resumedAt - answeredAt, 'ms from Redis answering to both processes sending').toBeLessThanOrEqual(5_000)
      expect(busiestWindow(hits, 1_000), 'most arrivals in any second').toBeLessThanOrEqual(LIMIT)
      // At the shared rate again: ≥ 90% of 20/s over the 4 s after both resumed.
      expect(afterResuming, 'arrivals in the 4 s after both resumed').toBeGreaterThanOrEqual(72)
    } finally {
      for (const w of workers) w.child.kill('SIGKILL')
      await Promise.all(workers.map((w) => w.exited))
    }
  })

  it('a flush while a call runs: the process adds its lease again, and the next call waits for it to settle', async () => {
    await redis.start()
    const limiter = sharedLimiter({ url: redis.url, id: 'flushed' }, { concurrency: 1 })
    try {
      const order: string[] = []
      let release = (): void => {}
      let running = (): void => {}
      const isRunning = new Promise<void>((resolve) => (running = resolve))
      const first = limiter.schedule(async () => {
        running()
        order.push('first started')
        await new Promise<void>((resolve) => (release = resolve))
        order.push('first settled')
      })
      await isRunning
      expect(await redisCommand(redis.url, 'FLUSHALL')).toBe('+OK\r\n')
      const second = limiter.schedule(async () => void order.push('second started'))
      await delay(300)
      // Redis forgot the lease; had the process not added it again, the second call would run.
      expect(order).toEqual(['first started'])
      release()
      await Promise.all([first, second])
      expect(order).toEqual(['first started', 'first settled', 'second started'])
    } finally {
      await limiter.close()
    }
  })

  it('a flush after calls settled: the process adds their settle times again, and the window still holds', async () => {
    await redis.start()
    const limiter = sharedLimiter({ url: redis.url, id: 'flushed-window' }, { perSecond: 1 })
    try {
      let settledAt = 0
      await limiter.schedule(async () => {
        settledAt = performance.now()
      })
      expect(await redisCommand(redis.url, 'FLUSHALL')).toBe('+OK\r\n')
      let startedAt = 0
      await limiter.schedule(async () => {
        startedAt = performance.now()
      })
      // One a second, counted from the first call's settle, which Redis had forgotten (the
      // margin is the rounding of Redis's clock to whole milliseconds).
      expect(startedAt - settledAt).toBeGreaterThanOrEqual(998)
    } finally {
      await limiter.close()
    }
  })
})
