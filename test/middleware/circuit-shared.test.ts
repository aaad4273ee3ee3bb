import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { CircuitOpenError, circuitBreaker } from '../../middleware/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { ConfigError, createClient, NetworkError } from '../../src/index.ts'
import { type RunningScript, startScript } from '../support/child.ts'
import { type FragileOrigin, startFragileOrigin } from '../support/fragile-origin.ts'
import { describeWithRedis, redisCommand } from '../support/redis.ts'

const worker = fileURLToPath(new URL('../support/circuit-worker.ts', import.meta.url))
/** Every breaker id of this run starts with it, so runs never share state. */
const run = `ply-circuit-test-${randomBytes(4).toString('hex')}`
let ids = 0
const uniqueId = (): string => `${run}-${++ids}`
/** A worker still running after this long hangs: it is killed and its test fails. */
const HANG_MS = 60_000
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A worker process of the fleet, and a way to send it commands and read its one-line answers. */
interface Member {
  readonly script: RunningScript
  ask(command: Record<string, unknown>): Promise<Record<string, unknown>>
  /** Closes its client and ends its input; resolves with its exit code. */
  stop(): Promise<number | null>
}

async function member(redisUrl: string, id: string, origin: string, openMs: number): Promise<Member> {
  const script = startScript(worker, ['serve', redisUrl, id, origin, String(openMs)], HANG_MS)
  // Whole lines of output, handed to the callers waiting for them in order.
  const waiting: ((line: string) => void)[] = []
  const unread: string[] = []
  let partial = ''
  let seen = 0
  script.onStdout((stdout) => {
    partial += stdout.slice(seen)
    seen = stdout.length
    const lines = partial.split('\n')
    partial = lines.pop() ?? ''
    unread.push(...lines)
    while (unread.length > 0 && waiting.length > 0) waiting.shift()?.(unread.shift() as string)
  })
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const line = unread.shift()
      if (line !== undefined) return resolve(line)
      waiting.push(resolve)
      void script.exited.then(({ stderr }) => reject(new Error(`worker exited: ${stderr}`)))
    })
  expect(await nextLine()).toBe('"ready"')
  return {
    script,
    ask: async (command) => {
      script.child.stdin.write(`${JSON.stringify(command)}\n`)
      return JSON.parse(await nextLine()) as Record<string, unknown>
    },
    stop: async () => {
      script.child.stdin.write(`${JSON.stringify({ do: 'close' })}\n`)
      await nextLine()
      script.child.stdin.end()
      return (await script.exited).code
    },
  }
}

describeWithRedis('circuitBreaker({ shared }) through Redis', (redisUrl) => {
  let server: FragileOrigin
  beforeAll(async () => {
    server = await startFragileOrigin('ok')
  })
  afterAll(() => server.close())

  it('two processes: once one opens, the other sends nothing; a process started later refuses at once', async () => {
    server.mode = 'ok'
    const id = uniqueId()
    const [a, b] = await Promise.all([
      member(redisUrl, id, server.url, 60_000),
      member(redisUrl, id, server.url, 60_000),
    ])
    server.mode = 'reset'
    const before = server.connections
    expect(await a.ask({ do: 'call', path: '/a', count: 3 })).toEqual({ outcomes: { NetworkError: 3 } })
    expect(server.connections).toBe(before + 3)
    expect(await a.ask({ do: 'state' })).toMatchObject({ state: 'open', failures: 3 })
    // The opening reaches b as a broadcast, which it has heard once its state() says so.
    expect(await b.ask({ do: 'await', state: 'open' })).toMatchObject({ state: 'open' })
    expect(await b.ask({ do: 'call', path: '/b', count: 100 })).toEqual({ outcomes: { CircuitOpenError: 100 } })
    expect(await a.ask({ do: 'call', path: '/a', count: 100 })).toEqual({ outcomes: { CircuitOpenError: 100 } })
    expect(server.connections).toBe(before + 3)
    const left = Number((await redisCommand(redisUrl, `PTTL ply:${id}:circuit:open:${server.url}`)).slice(1))
    expect(left).toBeGreaterThan(0)
    expect(left).toBeLessThanOrEqual(60_000)

    // A process that starts now asks Redis on its first call for the origin, and sends nothing.
    server.mode = 'ok'
    const c = await member(redisUrl, id, server.url, 60_000)
    const warmedUp = server.connections
    expect(await c.ask({ do: 'call', path: '/c', count: 10 })).toEqual({ outcomes: { CircuitOpenError: 10 } })
    expect(server.connections).toBe(warmedUp)
    expect(await Promise.all([a.stop(), b.stop(), c.stop()])).toEqual([0, 0, 0])
  })

  it('the fleet sends one probe when the open time passes, and its success closes every process', async () => {
    server.mode = 'ok'
    const id = uniqueId()
    const [a, b] = await Promise.all([member(redisUrl, id, server.url, 300), member(redisUrl, id, server.url, 300)])
    server.mode = 'reset'
    await a.ask({ do: 'call', path: '/a', count: 3 })
    await b.ask({ do: 'await', state: 'open' })
    server.mode = 'ok'
    const requests = server.requests
    let answered: Record<string, unknown>[] = []
    for (let round = 0; round < 40 && server.requests === requests; round++) {
      await delay(50)
      const before = server.requests
      answered = await Promise.all([a, b].map((one) => one.ask({ do: 'call', path: '/p', count: 1 })))
      // Both processes called at once: at most one of them was let through.
      expect(server.requests - before).toBeLessThanOrEqual(1)
    }
    expect(server.requests).toBe(requests + 1)
    expect(answered.map((reply) => Object.keys(reply.outcomes as object)[0]).sort()).toEqual([
      '200',
      'CircuitOpenError',
    ])
    expect(await a.ask({ do: 'await', state: 'closed' })).toMatchObject({ state: 'closed' })
    expect(await b.ask({ do: 'await', state: 'closed' })).toMatchObject({ state: 'closed' })
    expect(await b.ask({ do: 'call', path: '/after', count: 5 })).toEqual({ outcomes: { 200: 5 } })
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0])
  })

  it('works in this process alone while Redis is out of reach, and never holds a call for it', async () => {
    const port = await closedPort()
    server.mode = 'reset'
    const before = server.connections
    const breaker = circuitBreaker({
      failures: 2,
      shared: redisConnection({ url: `redis://127.0.0.1:${port}`, id: uniqueId(), connectTimeout: 500 }),
    })
    const client = createClient({ baseUrl: server.url }).use(breaker)
    for (let i = 0; i < 2; i++) await expect(client.get('/down')).rejects.toBeInstanceOf(NetworkError)
    const refused = await Promise.allSettled(Array.from({ length: 20 }, () => client.get('/down')))
    expect(refused.every((result) => (result as PromiseRejectedResult).reason instanceof CircuitOpenError)).toBe(true)
    expect(server.connections).toBe(before + 2)
    await client.close()
  })

  it('starts closed when Redis has no state (restarted empty), and uses a client it was given without closing it', async () => {
    server.mode = 'ok'
    const id = uniqueId()
    const given = new Redis(redisUrl, { lazyConnect: true })
    const first = circuitBreaker({ failures: 1, openMs: 60_000, shared: redisConnection({ client: given, id }) })
    const one = createClient({ baseUrl: server.url }).use(first)
    server.mode = '503'
    await one.get('/x', { throwHttpErrors: false })
    await expect(one.get('/x')).rejects.toBeInstanceOf(CircuitOpenError)
    // What a restart leaves: no key.
    await given.del(`ply:${id}:circuit:open:${server.url}`)
    server.mode = 'ok'
    const second = createClient({ baseUrl: server.url }).use(
      circuitBreaker({ failures: 1, openMs: 60_000, shared: redisConnection({ client: given, id }) }),
    )
    expect((await second.get('/x')).status).toBe(200)
    await Promise.all([one.close(), second.close()])
    expect(given.status).toBe('ready')
    await given.quit()
  })

  it('needs an id', () => {
    expect(() => circuitBreaker({ shared: redisConnection({ url: redisUrl }) })).toThrow(ConfigError)
    expect(() => circuitBreaker({ shared: redisConnection({ url: redisUrl }) })).toThrow(
      "circuitBreaker({ shared }) needs an id, which the processes that share it have in common: redisConnection({ url, id: 'my-app' })",
    )
  })

  it('lets an idle process exit on its own without close()', async () => {
    server.mode = 'ok'
    const { exited } = startScript(worker, ['idle', redisUrl, uniqueId(), server.url], HANG_MS)
    const { code, stdout, stderr } = await exited
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { statuses?: number[]; doneAt?: number; exitedAt?: number })
    expect(lines[0]?.statuses).toEqual([200, 200, 200])
    // No timer or socket of the breaker's held it: it exited as soon as its work was done.
    expect(Number(lines[1]?.exitedAt) - Number(lines[0]?.doneAt)).toBeLessThan(HANG_MS / 2)
  })
})
