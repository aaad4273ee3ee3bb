import { mkdtemp, open, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import * as sqlite from 'node:sqlite'
import Keyv from 'keyv'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { openCache } from '../../cli/cache.ts'
import { loadNodeSqlite, type SqliteStore, sqliteStore } from '../../cli/sqlite-store.ts'

const dirs: string[] = []
const opened: SqliteStore[] = []
afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(opened.splice(0).map((store) => store.disconnect()))
})
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })))
})

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ply-sqlite-'))
  dirs.push(dir)
  return path.join(dir, 'cache.sqlite')
}

function store(file: string, now?: () => number): SqliteStore {
  const made = sqliteStore(sqlite, file, now ? { now } : {})
  opened.push(made)
  return made
}

describe('sqliteStore', () => {
  it('keeps values as they were given, replaces them, and deletes them', async () => {
    const s = store(await tempFile())
    expect(await s.get('a')).toBeUndefined()
    expect(await s.set('a', '{"value":"☃ \\u00e9","expires":null}')).toBe(true)
    expect(await s.get('a')).toBe('{"value":"☃ \\u00e9","expires":null}')
    await s.set('a', 'second')
    expect(await s.get('a')).toBe('second')
    expect(await s.delete('a')).toBe(true)
    expect(await s.delete('a')).toBe(false)
    expect(await s.get('a')).toBeUndefined()
  })

  it('honours the ttl: an expired row is not returned and is deleted when read', async () => {
    const file = await tempFile()
    let time = 1_000_000
    const s = store(file, () => time)
    await s.set('short', 'x', 1_000)
    await s.set('forever', 'y')
    await s.set('zero', 'z', 0)
    time += 999
    expect(await s.get('short')).toBe('x')
    time += 1
    expect(await s.get('short')).toBeUndefined()
    time += 10 * 365 * 86_400_000
    expect([await s.get('forever'), await s.get('zero')]).toEqual(['y', 'z'])
    const rows = new sqlite.DatabaseSync(file, { readOnly: true })
    try {
      expect(
        rows
          .prepare('SELECT key FROM responses ORDER BY key')
          .all()
          .map((row) => row.key),
      ).toEqual(['forever', 'zero'])
    } finally {
      rows.close()
    }
  })

  it('purges expired rows when it opens', async () => {
    const file = await tempFile()
    let time = 5_000
    const first = store(file, () => time)
    await first.set('old', 'x', 100)
    await first.set('new', 'y', 10_000)
    await first.disconnect()
    time += 200
    store(file, () => time)
    const rows = new sqlite.DatabaseSync(file, { readOnly: true })
    try {
      expect(
        rows
          .prepare('SELECT key FROM responses')
          .all()
          .map((row) => row.key),
      ).toEqual(['new'])
    } finally {
      rows.close()
    }
  })

  it('clears every row', async () => {
    const s = store(await tempFile())
    await Promise.all(['a', 'b', 'c'].map((key) => s.set(key, key, 60_000)))
    await s.clear()
    expect([await s.get('a'), await s.get('b'), await s.get('c')]).toEqual([undefined, undefined, undefined])
  })

  it("lets two stores on one file (two runs at once) see each other's writes, in WAL mode", async () => {
    const file = await tempFile()
    const one = store(file)
    const two = store(file)
    await one.set('k', 'from one', 60_000)
    expect(await two.get('k')).toBe('from one')
    await two.set('k', 'from two', 60_000)
    expect(await one.get('k')).toBe('from two')
    await two.delete('k')
    expect(await one.get('k')).toBeUndefined()
    const check = new sqlite.DatabaseSync(file, { readOnly: true })
    try {
      expect(check.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    } finally {
      check.close()
    }
  })

  it('does not delete a fresh value another store wrote after this one read the expired row', async () => {
    const file = await tempFile()
    let time = 10_000
    const one = store(file, () => time)
    const two = store(file, () => time)
    await one.set('k', 'old', 100)
    time += 100
    await two.set('k', 'fresh', 60_000)
    expect(await one.get('k')).toBe('fresh')
  })

  it('closes on disconnect (twice is fine); later calls reject', async () => {
    const s = sqliteStore(sqlite, await tempFile())
    await s.set('a', '1')
    await s.disconnect()
    await s.disconnect()
    await expect(s.get('a')).rejects.toThrow()
  })

  it('refuses a file that is not a database', async () => {
    const file = await tempFile()
    await writeFile(file, 'not sqlite at all, and long enough to look like a header, really'.repeat(4))
    expect(() => sqliteStore(sqlite, file)).toThrow(/not a database/)
  })

  it('loads node:sqlite through loadNodeSqlite', async () => {
    expect((await loadNodeSqlite()).DatabaseSync).toBe(sqlite.DatabaseSync)
  })
})

describe('sqliteStore under Keyv', () => {
  it('expires entries by the ttl Keyv passes (fake Date), and Keyv.disconnect() closes the database', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2030-01-01T00:00:00Z') })
    const s = store(await tempFile())
    const spy = vi.spyOn(s, 'disconnect')
    const keyv = new Keyv({ store: s })
    await keyv.set('record', { v: 1, body: 'aGk=' }, 60_000)
    await keyv.set('kept', 'no ttl')
    expect(await keyv.get('record')).toEqual({ v: 1, body: 'aGk=' })
    vi.advanceTimersByTime(59_999)
    expect(await keyv.get('record')).toEqual({ v: 1, body: 'aGk=' })
    vi.advanceTimersByTime(1)
    expect(await keyv.get('record')).toBeUndefined()
    expect(await keyv.get('kept')).toBe('no ttl')
    expect(await keyv.delete('kept')).toBe(true)
    await keyv.set('x', 1)
    await keyv.clear()
    expect(await keyv.get('x')).toBeUndefined()
    await keyv.disconnect()
    expect(spy).toHaveBeenCalledOnce()
    await expect(s.get('x')).rejects.toThrow()
  })
})

describe('openCache', () => {
  it.skipIf(process.platform === 'win32')(
    'makes the directory 0700 and cache.sqlite 0600 (its WAL files too), with no note',
    async () => {
      const dir = path.join(path.dirname(await tempFile()), 'nested', 'ply')
      const notes: string[] = []
      const cache = await openCache(dir, (note) => notes.push(note))
      try {
        await cache.store?.set('k', 'v', 60_000)
        expect(await cache.store?.get('k')).toBe('v')
        expect((await stat(dir)).mode & 0o777).toBe(0o700)
        for (const name of ['cache.sqlite', 'cache.sqlite-wal', 'cache.sqlite-shm']) {
          expect([name, (await stat(path.join(dir, name))).mode & 0o777]).toEqual([name, 0o600])
        }
      } finally {
        await cache.close()
      }
      expect(notes).toEqual([])
    },
  )

  it('goes on without a cache, with one note, when the file is not a database', async () => {
    const file = await tempFile()
    const handle = await open(file, 'w')
    await handle.writeFile('x'.repeat(512))
    await handle.close()
    const notes: string[] = []
    const cache = await openCache(path.dirname(file), (note) => notes.push(note))
    expect(cache.store).toBeUndefined()
    await cache.close()
    expect(notes).toHaveLength(1)
    expect(notes[0]).toMatch(/^no persistent cache: .* cannot be used \(file is not a database\)$/)
  })
})
