import { open } from 'node:fs/promises'
import path from 'node:path'
import Keyv from 'keyv'
import { setCredentialScopeKey } from '../src/index.ts'
import { makeCacheDir } from './cache-dir.ts'
import { loadScopeKey } from './scope-key.ts'

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
 * `<dir>/cache.sqlite` through `@keyv/sqlite`. That package is an optional peer dependency:
 * without it, or when the directory cannot be used, the run goes on without a persistent
 * cache and `note` hears why, once. It never throws.
 */
export async function openCache(dir: string, note: (message: string) => void): Promise<DiskCache> {
  let KeyvSqlite: typeof import('@keyv/sqlite').default
  try {
    KeyvSqlite = (await import('@keyv/sqlite')).default
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND'
    note(
      missing
        ? 'no persistent cache: install @keyv/sqlite (npm install @keyv/sqlite@6.0.0-beta.4) to keep responses between runs'
        : `no persistent cache: @keyv/sqlite could not be loaded (${reason(error)})`,
    )
    return NONE
  }
  try {
    await makeCacheDir(dir)
    setCredentialScopeKey(await loadScopeKey(dir))
    const file = path.join(dir, CACHE_FILE)
    // Created first with mode 0600 (SQLite gives its journal the same mode): the bodies of
    // authenticated responses stay private even in a directory others can read.
    await (await open(file, 'a', 0o600)).close()
    const keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: 2_000 }) })
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
  if (typeof code === 'string') return code
  return error instanceof Error ? error.message : String(error)
}
