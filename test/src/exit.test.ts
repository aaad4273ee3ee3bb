import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startScript } from '../support/child.ts'
import { releaseStalled, routes } from '../support/routes.ts'
import { startServer, type TestServer } from '../support/server.ts'

let server: TestServer
let closed: TestServer
beforeAll(async () => {
  server = await startServer(routes)
  closed = await startServer(() => {})
  await closed.close()
})
afterAll(async () => {
  releaseStalled()
  await server.close()
})

describe('process lifetime', () => {
  it('a script that made 125 requests, some failing, some queued by a rate limiter, exits by itself', async () => {
    const script = fileURLToPath(new URL('../support/exit-script.ts', import.meta.url))
    let doneAt = 0
    const running = startScript(script, [server.url, closed.url], 60_000)
    running.onStdout((stdout) => {
      if (!doneAt && stdout.includes('done')) doneAt = performance.now()
    })
    const { code, stdout, stderr } = await running.exited
    const lingered = performance.now() - doneAt
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/done \{"ok":20,"failed":80\} \{"ok":20,"rejected":5\}/)
    // A timer or socket the client left would hold it for seconds (or for good).
    expect(lingered).toBeLessThan(3_000)
  })
})
