/**
 * The cache-hit bench: requests/s and latency of clients whose cache answers every measured
 * call, against bare ky making a real loopback round trip each time (the baseline). ply with
 * `cache()` on its memory, SQLite and Redis stores (Redis only when `REDIS_URL` is set), got
 * with its `cache` option, undici's cache interceptor (under `request` and its `fetch`) and
 * axios with axios-cache-interceptor all ask for GET /cached, which the server in the child
 * process (`./server.ts`) answers with `Cache-Control: public, max-age=3600` and an ETag. Each
 * client is warmed up first; the server counts the requests that reach it during every
 * measured turn, which must be none for a cached client.
 *
 *   npx node bench/cache.ts [--quick] [--write]     (or `npm run bench -- --only cache …`)
 *   REDIS_URL=redis://127.0.0.1:6391 npx node bench/cache.ts
 */
import { deepStrictEqual } from 'node:assert/strict'
import { parseArgs } from 'node:util'
import { type CacheClient, type ClientMaker, isSkipped, type Skipped } from './cache-client.ts'
import { gotClient } from './cache-got.ts'
import { axiosClient, kyClient, undiciFetchClient, undiciRequestClient } from './cache-peers.ts'
import { plyMemory, plyRedis, plySqlite } from './cache-ply.ts'
import {
  CACHE_SECTION,
  type CacheResults,
  type CacheSeries,
  type CacheTurn,
  cacheSection,
  textReport,
} from './cache-report.ts'
import { log } from './log.ts'
import { cpuTicks, stealShare } from './machine.ts'
import { runTurn } from './measure.ts'
import { PAYLOAD } from './payload.ts'
import type { RunInfo } from './report.ts'
import { writeDoc } from './report.ts'
import { interleave } from './rounds.ts'
import { type BenchServer, startServer } from './spawn.ts'

/** How to run the cache bench. */
export interface CacheBenchOptions {
  /** A short smoke run (under 10 s) instead of the full one. */
  readonly quick: boolean
  /** Also rewrite the "Cache hits" section of docs/performance.md. */
  readonly write: boolean
  /** The command that started the run, as the page should quote it. */
  readonly command: string
}

const CONCURRENCIES = [1, 16] as const
// A cache hit takes microseconds, so short turns still hold thousands of calls; 24 rounds
// keep the whole `npm run bench` under 10 minutes (the 95% interval of a median of 24 paired
// ratios runs from the 7th to the 18th value).
const FULL = { rounds: 24, turnMs: 250, warmupMs: 400 }
const QUICK = { rounds: 6, turnMs: 60, warmupMs: 60 }

/** The clients, in table order: the baseline, ply, then the peers. */
const MAKERS: readonly ClientMaker[] = [
  kyClient,
  plyMemory,
  plySqlite,
  plyRedis,
  gotClient,
  undiciRequestClient,
  undiciFetchClient,
  axiosClient(false),
  axiosClient(true),
]

/** Runs the cache bench and prints its tables; see this file's header. */
export async function runCacheBench(options: CacheBenchOptions): Promise<void> {
  const plan = { ...(options.quick ? QUICK : FULL), quick: options.quick }
  const ticks = cpuTicks()
  const server = await startServer()
  const clients: CacheClient[] = []
  const skipped: Skipped[] = []
  let measured: Omit<CacheResults, 'info' | 'skipped'>
  try {
    for (const make of MAKERS) {
      const made = await make(server.url)
      if (!isSkipped(made)) clients.push(made)
      else {
        skipped.push(made)
        log(`skipped: ${made.name}: ${made.reason}`)
      }
    }
    measured = await measureAll(clients, server, plan)
  } finally {
    await Promise.all(clients.map((client) => client.close?.()))
    await server.stop()
  }
  const info: RunInfo = { ...plan, steal: stealShare(ticks, cpuTicks()) }
  const results: CacheResults = { ...measured, skipped, info }
  console.log(textReport(results))
  if (options.write) {
    await writeDoc(await cacheSection(results, withRedisUrl(options.command, clients)), CACHE_SECTION)
    log(`docs/performance.md: "${CACHE_SECTION.heading}" rewritten`)
  }
}

async function measureAll(
  clients: readonly CacheClient[],
  server: BenchServer,
  plan: RunInfo,
): Promise<Omit<CacheResults, 'info' | 'skipped'>> {
  for (const client of clients) deepStrictEqual(await client.call(), PAYLOAD, `${client.name} got a wrong answer`)
  const series: CacheSeries[] = []
  let unconfirmed: string[] = []
  for (const concurrency of CONCURRENCIES) {
    log(`cache, concurrency ${concurrency}: warm-up`)
    for (const client of clients) {
      await runTurn(client.call, concurrency, plan.warmupMs)
      client.afterTurn?.()
    }
    if (series.length === 0) unconfirmed = await unconfirmedHits(clients)
    const turn = (client: CacheClient) => measuredTurn(client, concurrency, plan.turnMs, server)
    const turns = await interleave(clients, plan.rounds, turn, `cache, concurrency ${concurrency}`)
    for (const client of clients)
      series.push({ client: client.name, concurrency, cached: client.cached, turns: turns.get(client) ?? [] })
  }
  return { series, unconfirmed }
}

/** The clients whose own hit flag (ply's `cacheStatus`, got's `isFromCache`, axios's `cached`) says no. */
async function unconfirmedHits(clients: readonly CacheClient[]): Promise<string[]> {
  const names: string[] = []
  for (const client of clients) if (client.reportsHit && !(await client.reportsHit())) names.push(client.name)
  for (const name of names) log(`warning: ${name} does not report a cache hit after warm-up`)
  return names
}

async function measuredTurn(
  client: CacheClient,
  concurrency: number,
  turnMs: number,
  server: BenchServer,
): Promise<CacheTurn> {
  const before = await originCount(server)
  const turn = await runTurn(client.call, concurrency, turnMs)
  const origin = (await originCount(server)) - before
  client.afterTurn?.()
  return { ...turn, origin }
}

/** How many requests GET /cached has had, from the server's own count. */
async function originCount(server: BenchServer): Promise<number> {
  return Number(await (await fetch(`${server.url}/count`)).text())
}

/** The command as run, with the `REDIS_URL` it used in front (its password hidden). */
function withRedisUrl(command: string, clients: readonly CacheClient[]): string {
  const url = process.env.REDIS_URL
  if (url === undefined || !clients.some((client) => client.key === 'ply-redis')) return command
  const shown = new URL(url)
  if (shown.password !== '') shown.password = '***'
  return `REDIS_URL=${shown.href.replace(/\/$/, '')} ${command}`
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, write: { type: 'boolean' } } })
  const args = process.argv.slice(2)
  await runCacheBench({
    quick: values.quick === true,
    write: values.write === true,
    command: ['npx node bench/cache.ts', ...args].join(' '),
  })
}
