import ky from 'ky'
import { createClient, type FetchFunction, type Middleware } from '../src/index.ts'
import { startServer } from './spawn.ts'

/** One client under test: `call` makes one GET /json and resolves to the parsed body. */
export interface BenchClient {
  /** A short name for the command line (`bench/profile.ts --client ply5`). */
  readonly key: string
  readonly name: string
  readonly call: () => Promise<unknown>
  /** Releases what the client holds open (sockets), if anything. */
  readonly close?: () => Promise<void>
}

/** The name of the client every ratio is taken against. */
export const BASELINE = 'bare ky'

/** The name of the client the target is about. */
export const TARGET_CLIENT = 'ply + 5 pass-through'

const passThrough: Middleware = async (_ctx, next) => {
  await next()
}

/** ply with `count` pass-through middlewares, so its cost per middleware shows. */
export function plyCall(baseUrl: string, count: number, fetch?: FetchFunction): BenchClient['call'] {
  const client = createClient({ baseUrl, fetch })
  for (let i = 0; i < count; i++) client.use(passThrough)
  return async () => (await client.get('/json')).data
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

async function undiciClient(url: string): Promise<BenchClient> {
  const { Agent, request } = await loadUndici()
  const dispatcher = new Agent()
  return {
    key: 'undici',
    name: 'undici.request',
    call: async () => (await request(url, { dispatcher })).body.json(),
    close: () => dispatcher.close(),
  }
}

/** The clients, in the order they take turns: the lowest layer first, ply last. */
export async function benchClients(baseUrl: string): Promise<BenchClient[]> {
  const url = `${baseUrl}/json`
  return [
    await undiciClient(url),
    { key: 'fetch', name: 'fetch', call: async () => (await fetch(url)).json() },
    { key: 'ky', name: BASELINE, call: () => ky.get(url, { retry: 0 }).json() },
    { key: 'ply', name: 'ply (empty stack)', call: plyCall(baseUrl, 0) },
    { key: 'ply5', name: TARGET_CLIENT, call: plyCall(baseUrl, 5) },
  ]
}

/**
 * Starts the loopback server, hands `use` the clients pointed at it, and then releases the
 * clients' sockets and stops the server, so that the process can exit on its own.
 */
export async function withClients<T>(use: (clients: readonly BenchClient[]) => Promise<T>): Promise<T> {
  const server = await startServer()
  let clients: BenchClient[] = []
  try {
    clients = await benchClients(server.url)
    return await use(clients)
  } finally {
    await Promise.all(clients.map((client) => client.close?.()))
    await server.stop()
  }
}
