/**
 * One measurement of the memory bench (`./memory.ts`), in a fresh process started with
 * `--expose-gc`: how much heap and RSS one client holds per request in flight.
 *
 *   node --expose-gc bench/memory-child.ts --client ky|ply-full|ply:parse,cache --url http://127.0.0.1:PORT --count 10000
 *
 * Warms the client up on `/nostore`, collects garbage and records the baseline; starts
 * `count` calls of `/slow?i=N` (distinct URLs, so that `dedupe()` merges none; in paced
 * batches, see `startPaced`), which the server holds; once the server reports all `count`
 * held, collects garbage and records again; releases them, and checks that every call
 * resolved to the payload. Prints one JSON line (`MemorySample`) on stdout.
 */
import { deepStrictEqual } from 'node:assert/strict'
import { get } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { isDeepStrictEqual, parseArgs } from 'node:util'
import ky from 'ky'
import { isStackPart, plyStack, STACK_PARTS } from './full-stack.ts'
import { PAYLOAD } from './payload.ts'
import { exitWithParent } from './spawn.ts'

/** What one child measured, in bytes unless named otherwise. */
export interface MemorySample {
  readonly client: string
  readonly count: number
  readonly heapBefore: number
  readonly heapInFlight: number
  readonly rssBefore: number
  readonly rssInFlight: number
  /** How long the `count` calls took to all reach the server, in ms. */
  readonly msToAllPending: number
  /** How often the full stack's limiter made a request wait (must be 0), when it has one. */
  readonly waits?: number
}

/** How long the calls may take to reach the server: under the server's 8 s safety release. */
const ALL_PENDING_WITHIN_MS = 7_000
const BATCH = 1_000
const MAX_UNANSWERED = 2_000
const WARMUP_CALLS = 200
const WARMUP_CONCURRENCY = 20

/** A control route of the bench server, on a connection of its own (not the client's pool). */
export function control(baseUrl: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${baseUrl}${path}`, { agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        text += chunk
      })
      res.on('end', () => resolve(Number(text)))
    }).on('error', reject)
  })
}

/**
 * The client named `key`: `ky` (bare ky), `ply-full` (the full stack), or `ply:` and a
 * comma-separated list of the full stack's middlewares (`ply:` alone is the empty stack), to
 * see what each adds. One call of `path` resolves to the parsed body.
 */
export function clientOf(
  key: string,
  baseUrl: string,
): { call: (path: string) => Promise<unknown>; waits?: () => number } {
  if (key === 'ky') return { call: (path) => ky.get(`${baseUrl}${path}`, { retry: 0 }).json() }
  let parts: readonly string[]
  if (key === 'ply-full') parts = STACK_PARTS
  else if (key.startsWith('ply:')) parts = key.slice('ply:'.length).split(',').filter(Boolean)
  else throw new Error(`unknown client '${key}': ky, ply-full or ply:…`)
  const unknown = parts.filter((part) => !isStackPart(part))
  if (unknown.length > 0) throw new Error(`not a middleware of the full stack: ${unknown.join(', ')}`)
  const { client, waits } = plyStack(baseUrl, parts.filter(isStackPart))
  return { call: async (path) => (await client.get(path)).data, waits }
}

/**
 * Collects garbage: two full collections, since weak references and finalizers take a second
 * pass. A third changed the heap by less than 0.02% with 10,000 calls in flight, and each
 * costs a quarter to a whole second at that size.
 */
export function collect(): void {
  const gc = globalThis.gc
  if (gc === undefined) throw new Error('run with --expose-gc')
  gc()
  gc()
}

/** A few hundred calls of `/nostore` (distinct URLs), so that the code is compiled and the pools are warm. */
export async function warmUp(call: (path: string) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < WARMUP_CALLS) deepStrictEqual(await call(`/nostore?i=warm-${next++}`), PAYLOAD)
  }
  await Promise.all(Array.from({ length: WARMUP_CONCURRENCY }, worker))
}

/**
 * Resolves once the server holds `count` calls; fails once `ALL_PENDING_WITHIN_MS` have passed
 * since `started`.
 */
export async function waitForPending(baseUrl: string, count: number, started: number): Promise<void> {
  for (;;) {
    const pending = await control(baseUrl, '/pending')
    if (pending >= count) return
    if (performance.now() - started > ALL_PENDING_WITHIN_MS)
      throw new Error(`only ${pending} of ${count} calls reached the server within ${ALL_PENDING_WITHIN_MS} ms`)
    await sleep(10)
  }
}

/**
 * Starts `count` calls of `/slow?i=N`, in batches: before the next batch, the server must hold
 * all but `MAX_UNANSWERED` of those started. Linux caps a listening socket's accept queue at
 * `net.core.somaxconn` (4,096 on the bench machine); 10,000 connections opened at once
 * overflow it, and each dropped attempt is retried by the kernel only 1 s (then 3 s) later,
 * which could outlast the server's safety release. Pacing changes nothing of what is held
 * once all calls are in flight.
 */
async function startPaced(
  call: (path: string) => Promise<unknown>,
  baseUrl: string,
  count: number,
  started: number,
): Promise<Promise<unknown>[]> {
  const calls: Promise<unknown>[] = []
  for (let i = 0; i < count; i++) {
    calls.push(call(`/slow?i=${i}`))
    if (calls.length % BATCH === 0 && calls.length < count)
      await waitForPending(baseUrl, calls.length - MAX_UNANSWERED, started)
  }
  return calls
}

async function measure(key: string, baseUrl: string, count: number): Promise<MemorySample> {
  const { call, waits } = clientOf(key, baseUrl)
  await warmUp(call)
  collect()
  const before = process.memoryUsage()
  const started = performance.now()
  const calls = await startPaced(call, baseUrl, count, started)
  await waitForPending(baseUrl, count, started)
  const msToAllPending = performance.now() - started
  collect()
  const inFlight = process.memoryUsage()
  const released = await control(baseUrl, '/release')
  if (released !== count) throw new Error(`the server released ${released} held calls, not ${count}`)
  const results = await Promise.all(calls)
  const wrong = results.filter((data) => !isDeepStrictEqual(data, PAYLOAD)).length
  if (wrong > 0) throw new Error(`${wrong} of ${count} calls did not resolve to the payload`)
  return {
    client: key,
    count,
    heapBefore: before.heapUsed,
    heapInFlight: inFlight.heapUsed,
    rssBefore: before.rss,
    rssInFlight: inFlight.rss,
    msToAllPending,
    ...(waits === undefined ? {} : { waits: waits() }),
  }
}

if (import.meta.main) {
  exitWithParent()
  const { values } = parseArgs({
    options: { client: { type: 'string' }, url: { type: 'string' }, count: { type: 'string', default: '10000' } },
  })
  if (values.client === undefined || values.url === undefined) throw new Error('--client and --url are required')
  const sample = await measure(values.client, values.url, Number(values.count))
  process.stdout.write(`${JSON.stringify(sample)}\n`)
  process.exit(0)
}
