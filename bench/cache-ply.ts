import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import KeyvRedis from '@keyv/redis'
import KeyvSqlite from '@keyv/sqlite'
import Keyv from 'keyv'
import { cache, parse } from '../middleware/index.ts'
import { createClient } from '../src/index.ts'
import { CACHED_PATH, type ClientMaker, type Skipped } from './cache-client.ts'

/** A store for one ply client, and how to release it. */
interface Store {
  readonly store?: Keyv
  readonly close: () => Promise<void>
}

function plyMaker(name: string, key: string, openStore: () => Promise<Store | Skipped>): ClientMaker {
  return async (baseUrl) => {
    const opened = await openStore()
    if ('reason' in opened) return opened
    const client = createClient({ baseUrl })
      .use(parse())
      .use(cache({ store: opened.store }))
    return {
      key,
      name,
      cached: true,
      call: async () => (await client.get(CACHED_PATH)).data,
      reportsHit: async () => (await client.get(CACHED_PATH)).cacheStatus === 'hit',
      close: opened.close,
    }
  }
}

/** ply with `cache()`'s default store (in memory). */
export const plyMemory: ClientMaker = plyMaker('ply + cache (memory)', 'ply-memory', async () => ({
  close: async () => {},
}))

/** ply with a Keyv on `@keyv/sqlite` (Node's `node:sqlite`), in a file under the OS temp folder. */
export const plySqlite: ClientMaker = plyMaker('ply + cache (SQLite)', 'ply-sqlite', async () => {
  const folder = await mkdtemp(join(tmpdir(), 'ply-cache-bench-'))
  const store = new Keyv({ store: new KeyvSqlite(`sqlite://${join(folder, 'cache.sqlite')}`) })
  return {
    store,
    close: async () => {
      await store.disconnect()
      await rm(folder, { recursive: true, force: true })
    },
  }
})

/** ply with a Keyv on `@keyv/redis`, when `REDIS_URL` names a server; its keys are removed at the end. */
export const plyRedis: ClientMaker = plyMaker('ply + cache (Redis)', 'ply-redis', async () => {
  const url = process.env.REDIS_URL
  if (url === undefined || url === '') return { name: 'ply + cache (Redis)', reason: 'no REDIS_URL' }
  const store = new Keyv({ store: new KeyvRedis(url), namespace: `ply-cache-bench-${process.pid}` })
  return {
    store,
    close: async () => {
      await store.clear()
      await store.disconnect()
    },
  }
})
