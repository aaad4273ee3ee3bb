import { open } from 'node:fs/promises'
import path from 'node:path'
import Keyv from 'keyv'
import { setCredentialScopeKey } from '../middleware/kit.ts'
import { makeCacheDir } from './cache-dir.ts'
import { loadScopeKey } from './scope-key.ts'
import { loadNodeSqlite, type NodeSqlite, sqliteStore } from './sqlite-store.ts'

/** The persistent cache of a run: a Keyv over SQLite, or none. */
export interface DiskCache {
  /** The store to hand the presets and `cache()`, or `undefined` for no cache at all. */
  readonly store: Keyv | undefined
  /** Closes the database, so that the process can exit. */
  close(): Promise<void>
}

/** The file in the cache directory that holds the responses. */
export const CACHE_FILE = 'cache.sqlite'

const NONE: DiskCache = { store: undefined, close: async () => {} }

/**
 * Opens the persistent cache in `dir`: creates the directory (mode 0700), hashes credential
 * partitions with the key kept in `dir` (see `loadScopeKey`), and stores responses in
 * `<dir>/cache.sqlite` through Node's built-in `node:sqlite` (see `sqliteStore`). Where Node
 * has no `node:sqlite`, or the directory cannot be used, the run goes on without a persistent
 * cache and `note` hears why, once. It never throws.
 */
export async function openCache(dir: string, note: (message: string) => void): Promise<DiskCache> {
  let sqlite: NodeSqlite
  try {
    sqlite = await loadNodeSqlite()
  } catch (error) {
    note(
      `no persistent cache: node:sqlite is not available in Node ${process.version} (${reason(error)}); ` +
        'use Node 22.13 or later (or set NODE_OPTIONS=--experimental-sqlite) to keep responses between runs',
    )
    return NONE
  }
  try {
    await makeCacheDir(dir)
    setCredentialScopeKey(await loadScopeKey(dir))
    const file = path.join(dir, CACHE_FILE)
    // Created first with mode 0600 (SQLite gives its WAL files the same mode): the bodies of
    // authenticated responses stay private even in a directory others can read.
    await (await open(file, 'a', 0o600)).close()
    const keyv = new Keyv({ store: sqliteStore(sqlite, file) })
    let reported = false
    keyv.on('error', (error: unknown) => {
      if (reported) return
      reported = true
      note(`the cache in ${dir} failed (${reason(error)}); going on without it`)
    })
    return {
      store: keyv,
      close: async () => {
        await keyv.disconnect().catch(() => undefined)
      },
    }
  } catch (error) {
    note(`no persistent cache: ${dir} cannot be used (${reason(error)})`)
    return NONE
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  // node:sqlite's errors all share one code; their message says what went wrong.
  if (typeof code === 'string' && code !== 'ERR_SQLITE_ERROR') return code
  return error instanceof Error ? error.message : String(error)
}
