import { Agent } from 'node:http'
import axios from 'axios'
import { buildMemoryStorage, setupCache } from 'axios-cache-interceptor'
import ky from 'ky'
import { CACHED_PATH, type CacheClient } from './cache-client.ts'
import { BASELINE, loadUndici } from './clients.ts'

/** The baseline: bare ky, which has no cache, so every call is a real loopback round trip. */
export async function kyClient(baseUrl: string): Promise<CacheClient> {
  const url = `${baseUrl}${CACHED_PATH}`
  return { key: 'ky', name: BASELINE, cached: false, call: () => ky.get(url, { retry: 0 }).json() }
}

/** undici 8's `interceptors.cache()` (its in-memory store) on an `Agent`, read with `request`. */
export async function undiciRequestClient(baseUrl: string): Promise<CacheClient> {
  const { Agent, interceptors, request } = await loadUndici()
  const agent = new Agent()
  const dispatcher = agent.compose(interceptors.cache())
  const url = `${baseUrl}${CACHED_PATH}`
  return {
    key: 'undici',
    name: 'undici.request + cache',
    cached: true,
    call: async () => (await request(url, { dispatcher })).body.json(),
    close: () => agent.close(),
  }
}

/** The same interceptor under undici's own `fetch` (not Node's bundled one), as its dispatcher. */
export async function undiciFetchClient(baseUrl: string): Promise<CacheClient> {
  const { Agent, fetch, interceptors } = await loadUndici()
  const agent = new Agent()
  const dispatcher = agent.compose(interceptors.cache())
  const url = `${baseUrl}${CACHED_PATH}`
  return {
    key: 'undici-fetch',
    name: 'undici fetch + cache',
    cached: true,
    call: async () => (await fetch(url, { dispatcher })).json(),
    close: () => agent.close(),
  }
}

/**
 * axios with axios-cache-interceptor (`setupCache(axios.create())`). By default its memory
 * storage hands every hit the same parsed object, so a hit parses nothing (and a caller that
 * mutates `data` changes the cache); with `clone`, `buildMemoryStorage(true)` gives each hit
 * its own copy (`structuredClone`), which is the work the other clients do.
 */
export function axiosClient(clone: boolean): (baseUrl: string) => Promise<CacheClient> {
  return async (baseUrl) => {
    const httpAgent = new Agent({ keepAlive: true })
    const client = setupCache(
      axios.create({ baseURL: baseUrl, httpAgent }),
      clone ? { storage: buildMemoryStorage(true) } : {},
    )
    return {
      key: clone ? 'axios-clone' : 'axios',
      name: clone ? 'axios + cache-interceptor (cloneData)' : 'axios + cache-interceptor',
      cached: true,
      call: async () => (await client.get(CACHED_PATH)).data,
      reportsHit: async () => (await client.get(CACHED_PATH)).cached,
      close: async () => httpAgent.destroy(),
    }
  }
}
