import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startScript } from '../support/child.ts'
import { describeWithRedis } from '../support/redis.ts'
import { startServer, type TestServer } from '../support/server.ts'

describeWithRedis('client.close() on the full stack with Redis (process lifetime)', (redisUrl) => {
  let server: TestServer
  beforeAll(async () => {
    server = await startServer((req, res) => {
      res.setHeader('content-type', 'application/json')
      res.setHeader('cache-control', 'max-age=60')
      res.end(JSON.stringify({ path: req.url }))
    })
  })
  afterAll(() => server.close())

  it('a script that made calls through a Redis-shared limiter and a Redis cache exits by itself once closed', async () => {
    const script = fileURLToPath(new URL('../support/lifecycle-exit-script.ts', import.meta.url))
    const id = `lifecycle-exit-${process.pid}-${Date.now()}`
    let closedAt = 0
    const running = startScript(script, [server.url, redisUrl, id], 60_000)
    running.onStdout((stdout) => {
      if (!closedAt && stdout.includes('closed')) closedAt = performance.now()
    })
    const { code, stdout, stderr } = await running.exited
    const lingered = performance.now() - closedAt
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const [, json, after] = /closed (\{.*\}) after close: (\S+)/.exec(stdout) ?? []
    const outcomes = JSON.parse(json ?? '{}') as { ok: number; cached: number; aborted: number; other: string[] }
    // The second call of each path came from Redis; the burst started some and left the rest
    // queued in the shared limiter, which close() settled with an AbortError.
    expect(outcomes.cached).toBe(2)
    expect(outcomes.other).toEqual([])
    expect(outcomes.ok + outcomes.aborted).toBe(14)
    expect(outcomes.aborted).toBeGreaterThan(0)
    expect(after).toBe('refused')
    // A connection, timer or socket left open would hold it for seconds (or for good).
    expect(lingered).toBeLessThan(5_000)
  })
})
