import type { DatabaseSync } from 'node:sqlite'

/** Node's built-in SQLite module. */
export type NodeSqlite = typeof import('node:sqlite')

/**
 * Loads `node:sqlite`: built into Node 22.13 and later (22.5 to 22.12 need
 * `--experimental-sqlite`); it rejects where the module is missing. Node 22 prints an
 * `ExperimentalWarning` on stderr when the module loads, which tells a `ply` user nothing they
 * can act on: that one warning is dropped, every other goes through.
 */
export async function loadNodeSqlite(): Promise<NodeSqlite> {
  const emitWarning = process.emitWarning
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (/^SQLite is an experimental feature/.test(typeof warning === 'string' ? warning : warning.message)) return
    Reflect.apply(emitWarning, process, [warning, ...rest])
  } as typeof process.emitWarning
  try {
    return await import('node:sqlite')
  } finally {
    process.emitWarning = emitWarning
  }
}

/** Options of `sqliteStore()`. */
export interface SqliteStoreOptions {
  /** Milliseconds a statement waits for another connection's lock before it fails (default 2,000). */
  busyTimeoutMs?: number | undefined
  /** The clock, in milliseconds since the epoch (default `Date.now`). */
  now?: (() => number) | undefined
}

/** A Keyv storage over one SQLite file: `new Keyv({ store: sqliteStore(…) })`. */
export interface SqliteStore {
  get(key: string): Promise<string | undefined>
  set(key: string, value: string, ttl?: number): Promise<boolean>
  delete(key: string): Promise<boolean>
  clear(): Promise<void>
  /** Closes the database (Keyv's `disconnect()` calls it); later calls reject. */
  disconnect(): Promise<void>
}

interface Row {
  value: string
  expires: number | null
}

/**
 * A minimal Keyv storage (the legacy get/set/delete/clear shape Keyv wraps) over `node:sqlite`,
 * in `file` (created if missing: create it first with the mode it should have). Values are
 * TEXT (Keyv hands over its serialised string); the ttl Keyv passes to `set` becomes an
 * `expires` time: an expired row is never returned, is deleted when read, and expired rows are
 * purged when the store opens. WAL and a busy timeout let several processes use the file at
 * once. Opening throws when the file is not an SQLite database or cannot be opened.
 */
export function sqliteStore(sqlite: NodeSqlite, file: string, options: SqliteStoreOptions = {}): SqliteStore {
  const now = options.now ?? Date.now
  const db: DatabaseSync = new sqlite.DatabaseSync(file)
  try {
    // The timeout first: switching to WAL takes a lock another process may hold.
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 2_000))}`)
    db.exec('PRAGMA journal_mode = WAL')
    // Losing the last writes on a power cut costs a cache a few requests, not its consistency.
    db.exec('PRAGMA synchronous = NORMAL')
    db.exec(
      'CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL, expires INTEGER)',
    )
    db.exec('CREATE INDEX IF NOT EXISTS responses_expires ON responses (expires) WHERE expires IS NOT NULL')
    db.prepare('DELETE FROM responses WHERE expires <= ?').run(now())
  } catch (error) {
    db.close()
    throw error
  }
  const select = db.prepare('SELECT value, expires FROM responses WHERE key = ?')
  const upsert = db.prepare(
    'INSERT INTO responses (key, value, expires) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
  )
  const remove = db.prepare('DELETE FROM responses WHERE key = ?')
  // Only if still expired: another process may have stored a fresh value since it was read.
  const removeExpired = db.prepare('DELETE FROM responses WHERE key = ? AND expires <= ?')
  const removeAll = db.prepare('DELETE FROM responses')
  let open = true
  return {
    async get(key) {
      const row = select.get(key) as Row | undefined
      if (row === undefined) return undefined
      const time = now()
      if (row.expires !== null && row.expires <= time) {
        removeExpired.run(key, time)
        return undefined
      }
      return row.value
    },
    async set(key, value, ttl) {
      const expires = ttl !== undefined && ttl > 0 && Number.isFinite(ttl) ? Math.ceil(now() + ttl) : null
      upsert.run(key, value, expires)
      return true
    },
    async delete(key) {
      return Number(remove.run(key).changes) > 0
    },
    async clear() {
      removeAll.run()
    },
    async disconnect() {
      if (!open) return
      open = false
      db.close()
    },
  }
}
