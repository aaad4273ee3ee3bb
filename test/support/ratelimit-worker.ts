// Run as a child process by ratelimit-shared.test.ts. It must exit on its own after close().
//
//   run <redisUrl> <id> <perSecond> <count> <baseUrl>
//     Warms up (connects the shared limiter and loads fetch), prints "ready", waits for its
//     stdin to end (the parent's "go"), makes <count> requests to <baseUrl>/hit through the
//     shared limiter, closes it and prints a JSON summary, with the longest its event loop
//     was held up meanwhile (`lagMs`: how late a request can have left after its start).
//
//   unreachable <redisUrl>
//     Schedules one task against a Redis that is not there, closes, and prints what happened
//     and when it was done (`doneAt`, epoch ms), then, as it exits, `exitedAt`: how long it
//     lingered (a timer or socket left behind) is told by the process itself, whatever the load.
//
//   idle <redisUrl> <id> <baseUrl>
//     Makes calls in two groups through rateLimit({ shared }) and prints a JSON summary, but
//     never calls close(): the process must still exit on its own once it is idle (`doneAt`
//     and `exitedAt` as above).
//
//   client <redisUrl> <id> <perSecond> <count> <baseUrl>
//     As `run`, through a client with rateLimit({ perSecond, shared }); the warm-up goes to a
//     path of its own, and the calls to <baseUrl>/hit?pid=… on whatever connections the client
//     opens for them.
//
//   steady <redisUrl> <id> <perSecond> <connectTimeout> <baseUrl>
//     Keeps 8 callers asking <baseUrl>/hit?pid=… through rateLimit({ perSecond, shared })
//     until its stdin ends, whatever happens to Redis meanwhile. Prints "ready" after its first
//     answer, a JSON line for each failure (`failed`: the error's name, `ms`: how long the call
//     took) and for the first answer after failures (`resumed`), then a summary once closed.

import { monitorEventLoopDelay } from 'node:perf_hooks'
import { rateLimit } from '../../middleware/ratelimit/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { sharedLimiter } from '../../redis/limiters.ts'
import { createClient } from '../../src/index.ts'

const [mode, redisUrl, ...rest] = process.argv.slice(2) as [string, string, ...string[]]
/** Now, in epoch ms, comparable across processes on this machine. */
const now = (): number => performance.timeOrigin + performance.now()
// 'exit' fires once nothing keeps the process alive; a write to a pipe is synchronous on Linux.
process.on('exit', () => process.stdout.write(`${JSON.stringify({ exitedAt: now() })}\n`))

if (mode === 'run') {
  const [id, perSecond, count, base] = rest as [string, string, string, string]
  const limiter = sharedLimiter({ url: redisUrl, id }, { perSecond: Number(perSecond) })
  await limiter.schedule(async () => (await fetch(`${base}/warmup`)).arrayBuffer())
  process.stdout.write('ready\n')
  await new Promise((resolve) => {
    process.stdin.on('end', resolve)
    process.stdin.resume()
  })
  const lag = monitorEventLoopDelay({ resolution: 5 })
  lag.enable()
  const results = await Promise.allSettled(
    Array.from({ length: Number(count) }, (_, i) =>
      limiter.schedule(async () => {
        const response = await fetch(`${base}/hit?pid=${process.pid}&n=${i}`)
        await response.arrayBuffer()
        return response.status
      }),
    ),
  )
  lag.disable()
  await limiter.close()
  const ok = results.filter((r) => r.status === 'fulfilled' && r.value === 200).length
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
  process.stdout.write(`${JSON.stringify({ ok, errors, lagMs: lag.max / 1e6 })}\n`)
} else if (mode === 'unreachable') {
  const limiter = sharedLimiter({ url: redisUrl, id: 'unreachable', connectTimeout: 500 }, { perSecond: 10 })
  let ran = false
  const outcome = await limiter
    .schedule(async () => (ran = true))
    .then(
      () => 'resolved',
      (error: Error) => error.name,
    )
  await limiter.close()
  process.stdout.write(`${JSON.stringify({ outcome, ran, doneAt: now() })}\n`)
} else if (mode === 'idle') {
  const [id, base] = rest as [string, string]
  const client = createClient({ baseUrl: base }).use(
    rateLimit({
      perSecond: 20,
      concurrency: 1,
      groups: { search: { perSecond: 10 } },
      group: (ctx) => (ctx.request.peekUrl().pathname.startsWith('/search') ? 'search' : undefined),
      shared: redisConnection({ url: redisUrl, id }),
    }),
  )
  const statuses = await Promise.all(
    ['/a', '/search/b', '/c', '/search/d'].map(async (path) => (await client.get(path)).status),
  )
  process.stdout.write(`${JSON.stringify({ statuses, doneAt: now() })}\n`)
} else if (mode === 'client') {
  const [id, perSecond, count, base] = rest as [string, string, string, string]
  const limiter = rateLimit({ perSecond: Number(perSecond), shared: redisConnection({ url: redisUrl, id }) })
  const client = createClient({ baseUrl: base }).use(limiter)
  await client.get('/warmup')
  process.stdout.write('ready\n')
  await stdinEnd()
  const results = await Promise.allSettled(
    Array.from({ length: Number(count) }, async (_, i) => {
      return (await client.get(`/hit?pid=${process.pid}&n=${i}`)).status
    }),
  )
  await client.close()
  const ok = results.filter((r) => r.status === 'fulfilled' && r.value === 200).length
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []))
  process.stdout.write(`${JSON.stringify({ ok, errors })}\n`)
} else if (mode === 'steady') {
  const [id, perSecond, connectTimeout, base] = rest as [string, string, string, string]
  const shared = redisConnection({ url: redisUrl, id, connectTimeout: Number(connectTimeout) })
  const client = createClient({ baseUrl: base }).use(rateLimit({ perSecond: Number(perSecond), shared }))
  let stopping = false
  let ok = 0
  let failing = false
  const failures: Record<string, number> = {}
  const caller = async (): Promise<void> => {
    while (!stopping) {
      const began = performance.now()
      try {
        await client.get(`/hit?pid=${process.pid}`)
        ok += 1
        if (ok === 1) process.stdout.write('ready\n')
        if (failing) process.stdout.write(`${JSON.stringify({ resumed: now() })}\n`)
        failing = false
      } catch (error) {
        if (stopping) return
        const name = error instanceof Error ? error.name : String(error)
        failures[name] = (failures[name] ?? 0) + 1
        failing = true
        process.stdout.write(`${JSON.stringify({ failed: name, ms: performance.now() - began, at: now() })}\n`)
        // A failure can come at once: do not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  }
  const callers = Array.from({ length: 8 }, caller)
  await stdinEnd()
  stopping = true
  await client.close()
  await Promise.all(callers)
  process.stdout.write(`${JSON.stringify({ ok, failures })}\n`)
} else {
  throw new Error(`unknown mode ${mode}`)
}

/** Resolves when the parent ends this process's stdin (its "go", or its "stop"). */
function stdinEnd(): Promise<void> {
  return new Promise((resolve) => {
    process.stdin.on('end', resolve)
    process.stdin.resume()
  })
}
