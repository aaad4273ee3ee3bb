import { Agent } from 'node:http'
import axios from 'axios'
import got from 'got'
import ky from 'ky'
import { createClient, type FetchFunction, type Middleware } from '../src/index.ts'
import { fullStack } from './full-stack.ts'
import { startServer } from './spawn.ts'

/** One client under test: `call` makes one GET and resolves to the parsed body. */
export interface BenchClient {
  /** A short name for the command line (`bench/profile.ts --client ply-full`). */
  readonly key: string
  readonly name: string
  readonly call: () => Promise<unknown>
  /** Releases what the client holds open (sockets), if anything. */
  readonly close?: () => Promise<void>
  /** For the full stack: how often its limiter made a request wait (must stay 0). */
  readonly waits?: () => number
}

/** The name of the client every ratio is taken against. */
export const BASELINE = 'bare ky'

/** The name of ply with an empty stack. */
export const PLY_BARE = 'ply (empty stack)'

/** The name of ply with the whole stack of `./full-stack.ts`. */
export const PLY_FULL = 'ply full stack'

/** The name of ply with five pass-through middlewares (the first target, kept for comparison). */
export const PLY_FIVE = 'ply + 5 pass-through'

/** The route every throughput client asks for: the payload, with `Cache-Control: no-store`. */
export const THROUGHPUT_PATH = '/nostore'

const passThrough: Middleware = async (_ctx, next) => {
  await next()
}

/**
 * `path` with a query that makes every call's URL distinct (`/nostore?i=1`, `?i=2`, …), the
 * same for every client: ply's `dedupe()` would otherwise merge the calls that are in flight
 * together, and the full stack would make fewer round trips than the others.
 */
export function distinctPaths(path: string): () => string {
  let n = 0
  return () => `${path}?i=${++n}`
}

/**
 * ply with `count` pass-through middlewares, so its cost per middleware shows; each call asks
 * for `path()` (a fixed `/json` unless told).
 */
export function plyCall(
  baseUrl: string,
  count: number,
  fetch?: FetchFunction,
  path: () => string = () => '/json',
): BenchClient['call'] {
  const client = createClient({ baseUrl, fetch })
  for (let i = 0; i < count; i++) client.use(passThrough)
  return async () => (await client.get(path())).data
}

/**
 * Loads the undici package without taking over the global `fetch`. On load, undici installs
 * its own Agent as the global dispatcher unless one is there already, and Node's bundled fetch
 * (so ky and ply too) would then run through it, which is not what ply's users run. One fetch
 * first makes Node's bundled undici install its own dispatcher, which then stays.
 */
export async function loadUndici(): Promise<typeof import('undici')> {
  await (await fetch('data:,')).text()
  return import('undici')
}

async function undiciClient(baseUrl: string): Promise<BenchClient> {
  const { Agent: UndiciAgent, request } = await loadUndici()
  const dispatcher = new UndiciAgent()
  const next = distinctPaths(`${baseUrl}${THROUGHPUT_PATH}`)
  return {
    key: 'undici',
    name: 'undici.request',
    call: async () => (await request(next(), { dispatcher })).body.json(),
    close: () => dispatcher.close(),
  }
}

/** got 16 with its own retry off, on a keep-alive agent (its default is Node's global agent, keep-alive since Node 19). */
function gotClient(baseUrl: string): BenchClient {
  const agent = new Agent({ keepAlive: true })
  const client = got.extend({ retry: { limit: 0 }, agent: { http: agent } })
  const next = distinctPaths(`${baseUrl}${THROUGHPUT_PATH}`)
  return { key: 'got', name: 'got', call: () => client(next()).json(), close: async () => agent.destroy() }
}

/** axios 1 (its Node http adapter) on a keep-alive agent, reading `.data` (parsed JSON). */
function axiosClient(baseUrl: string): BenchClient {
  const httpAgent = new Agent({ keepAlive: true })
  const client = axios.create({ baseURL: baseUrl, httpAgent })
  const next = distinctPaths(THROUGHPUT_PATH)
  return {
    key: 'axios',
    name: 'axios',
    call: async () => (await client.get(next())).data,
    close: async () => httpAgent.destroy(),
  }
}

function plyFullClient(baseUrl: string): BenchClient {
  const { client, waits } = fullStack(baseUrl)
  const next = distinctPaths(THROUGHPUT_PATH)
  return { key: 'ply-full', name: PLY_FULL, call: async () => (await client.get(next())).data, waits }
}

/** The clients, in the order they take turns: the lowest layer first, then ky's peers, ply last. */
export async function benchClients(baseUrl: string, options: { withFive: boolean }): Promise<BenchClient[]> {
  const url = distinctPaths(`${baseUrl}${THROUGHPUT_PATH}`)
  const kyUrl = distinctPaths(`${baseUrl}${THROUGHPUT_PATH}`)
  return [
    await undiciClient(baseUrl),
    { key: 'fetch', name: 'fetch', call: async () => (await fetch(url())).json() },
    { key: 'ky', name: BASELINE, call: () => ky.get(kyUrl(), { retry: 0 }).json() },
    gotClient(baseUrl),
    axiosClient(baseUrl),
    { key: 'ply', name: PLY_BARE, call: plyCall(baseUrl, 0, undefined, distinctPaths(THROUGHPUT_PATH)) },
    ...(options.withFive
      ? [{ key: 'ply5', name: PLY_FIVE, call: plyCall(baseUrl, 5, undefined, distinctPaths(THROUGHPUT_PATH)) }]
      : []),
    plyFullClient(baseUrl),
  ]
}

/**
 * Starts the loopback server, hands `use` the clients pointed at it (and the server's URL),
 * and then releases the clients' sockets and stops the server, so that the process can exit
 * on its own.
 */
export async function withClients<T>(
  use: (clients: readonly BenchClient[], serverUrl: string) => Promise<T>,
  options: { withFive: boolean } = { withFive: true },
): Promise<T> {
  const server = await startServer()
  let clients: BenchClient[] = []
  try {
    clients = await benchClients(server.url, options)
    return await use(clients, server.url)
  } finally {
    await Promise.all(clients.map((client) => client.close?.()))
    await server.stop()
  }
}
