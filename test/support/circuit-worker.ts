// Run as a child process by circuit-shared.test.ts: one process of a fleet that shares its
// circuit breakers through Redis.
//
//   serve <redisUrl> <id> <origin> <openMs>
//     Makes a client of <origin> with circuitBreaker({ failures: 3, openMs, shared }), calls
//     <origin>/warmup once (refused while the breaker is open), prints "ready", then answers
//     one JSON line per command line on stdin:
//       {"do":"call","path":"/x","count":N}   N calls one after another: {"outcomes":{"<status or error>":n}}
//       {"do":"state"}                         the breaker's state(): {"state":"open",…}
//       {"do":"await","state":"open"}          waits (bounded) until state() says so: {"state":…}
//       {"do":"close"}                         client.close(): {"closed":true}; the process must then exit by itself
//
//   idle <redisUrl> <id> <origin>
//     Makes a few calls through a shared breaker, prints {"doneAt"}, and never closes: the
//     process must exit on its own, and prints {"exitedAt"} as it does.

import { createInterface } from 'node:readline'
import { circuitBreaker } from '../../middleware/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { createClient } from '../../src/index.ts'

const [mode, redisUrl, id, origin, openMs] = process.argv.slice(2) as [string, string, string, string, string]
const now = (): number => performance.timeOrigin + performance.now()
const print = (value: unknown): void => {
  process.stdout.write(`${JSON.stringify(value)}\n`)
}

if (mode === 'serve') {
  const breaker = circuitBreaker({
    failures: 3,
    openMs: Number(openMs),
    shared: redisConnection({ url: redisUrl, id }),
  })
  const client = createClient({ baseUrl: origin }).use(breaker)
  // Connects to Redis and loads fetch; a process that starts while the breaker is open is refused.
  await client.get('/warmup').catch(() => undefined)
  print('ready')
  const commands = createInterface({ input: process.stdin })
  for await (const line of commands) {
    const command = JSON.parse(line) as { do: string; path?: string; count?: number; state?: string }
    if (command.do === 'call') {
      const outcomes: Record<string, number> = {}
      for (let i = 0; i < (command.count ?? 1); i++) {
        const name = await client.get(command.path ?? '/', { throwHttpErrors: false }).then(
          (response) => String(response.status),
          (error: Error) => error.name,
        )
        outcomes[name] = (outcomes[name] ?? 0) + 1
      }
      print({ outcomes })
    } else if (command.do === 'state') {
      print(breaker.state())
    } else if (command.do === 'await') {
      const until = Date.now() + 10_000
      while (breaker.state().state !== command.state && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      print(breaker.state())
    } else if (command.do === 'close') {
      await client.close()
      print({ closed: true })
      commands.close()
    }
  }
} else if (mode === 'idle') {
  process.on('exit', () => print({ exitedAt: now() }))
  const client = createClient({ baseUrl: origin }).use(
    circuitBreaker({ failures: 3, shared: redisConnection({ url: redisUrl, id }) }),
  )
  const statuses = await Promise.all(['/a', '/b', '/c'].map(async (path) => (await client.get(path)).status))
  print({ statuses, doneAt: now() })
} else {
  throw new Error(`unknown mode ${mode}`)
}
