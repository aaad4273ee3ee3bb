// The soak: `npm run soak` (50,000 requests, heap compared with the one after the first 5,000),
// or a shorter run with flags:
//
//   node test/reliability/soak.ts [--requests 50000] [--baseline 5000] [--readings 10]
//
// It starts two chaos servers (two origins) in this process and runs the client in a process
// of its own, with --expose-gc, so that the heap it reads holds only the client: the servers'
// sockets and held responses are not in it, and neither is anything this script keeps. The
// client also runs with --no-flush-bytecode: otherwise V8, some 20 s into a run, flushes the
// bytecode of the loader that stripped the TypeScript at start-up and frees its 3.8 MB source
// string, a drop of a fifth of the heap that has nothing to do with the client (measured:
// 18.1 MB after 5,000 requests, 13.7 MB after 50,000, in two runs out of two).
// Prints one line of JSON (the client's figures, plus what the servers received) and sets a
// non-zero exit code when calls were lost or the heap grew by more than 10 %.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type ChaosServer, startChaosServer } from '../support/chaos-server.ts'
import { HEAP_TOLERANCE } from './soak-limits.ts'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '50000' },
    baseline: { type: 'string', default: '5000' },
    // Heap readings, the baseline's and the last included, evenly spaced.
    readings: { type: 'string', default: '10' },
  },
})
const requests = Number(values.requests)
const baseline = Number(values.baseline)
const readings = Number(values.readings)
if (!Number.isInteger(requests) || !Number.isInteger(baseline) || baseline <= 0 || requests <= baseline) {
  throw new Error('--requests and --baseline must be whole numbers with 0 < baseline < requests')
}
if (!Number.isInteger(readings) || readings < 2) throw new Error('--readings must be a whole number ≥ 2')

const client = fileURLToPath(new URL('./soak-client.ts', import.meta.url))
const chaos = await startChaosServer()
const other = await startChaosServer()
try {
  const { code, stdout } = await runClient([chaos.url, other.url, String(baseline), String(requests), String(readings)])
  const figures = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    lost: number
    growth: number
    untyped: number
    unhandledRejections: number
    uncaughtExceptions: number
  }
  const withinHeap = Math.abs(figures.growth) <= HEAP_TOLERANCE
  const clean =
    code === 0 &&
    figures.lost === 0 &&
    figures.untyped === 0 &&
    figures.unhandledRejections === 0 &&
    figures.uncaughtExceptions === 0
  process.stdout.write(`${JSON.stringify({ ...figures, clientExit: code, servers: serverFigures(chaos, other) })}\n`)
  if (!withinHeap || !clean) {
    process.stderr.write(
      `soak failed: heap growth ${(figures.growth * 100).toFixed(1)} % (limit ${HEAP_TOLERANCE * 100} %), ` +
        `lost ${figures.lost}, client exit ${code}\n`,
    )
    process.exitCode = 1
  }
} finally {
  await chaos.close()
  await other.close()
}

/** Runs the client with --expose-gc; its stderr passes through, its stdout is collected. */
function runClient(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  const flags = ['--expose-gc', '--no-flush-bytecode']
  const child = spawn(process.execPath, [...flags, client, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout })))
}

/** What the servers received, by `METHOD behaviour`. */
function serverFigures(chaos: ChaosServer, other: ChaosServer) {
  return {
    received: chaos.total + other.total,
    byBehaviour: Object.fromEntries(chaos.byBehaviour),
    otherOrigin: { received: other.total, withAuthorization: other.authorized },
  }
}
