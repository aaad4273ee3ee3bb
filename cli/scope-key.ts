import { randomBytes } from 'node:crypto'
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** The file in the cache directory that holds the credential-scope key. */
export const SCOPE_KEY_FILE = 'scope.key'

const KEY_BYTES = 32
const HEX = /^[0-9a-f]{64}$/

/**
 * The key the cache's credential partitions are hashed with, kept in `<dir>/scope.key` (64
 * hex digits, mode 0600) so that a later run with the same credential finds this run's
 * entries. Made once: the first run writes it whole (to a temporary file, then linked into
 * place, so that concurrent first runs agree on one key) and every run after reads it. A
 * damaged file is replaced.
 */
export async function loadScopeKey(dir: string): Promise<Uint8Array> {
  const file = path.join(dir, SCOPE_KEY_FILE)
  const existing = await readKey(file)
  if (existing !== undefined) return existing
  const key = randomBytes(KEY_BYTES)
  const temporary = path.join(dir, `.${SCOPE_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}`)
  await writeFile(temporary, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  try {
    if ((await readFile(file).catch(() => undefined)) === undefined) {
      // link() refuses to replace a file: if another run got there first, its key wins.
      await link(temporary, file).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') await rename(temporary, file)
      })
    } else {
      // Present but damaged: replace it.
      await rename(temporary, file)
    }
  } finally {
    await unlink(temporary).catch(() => undefined)
  }
  return (await readKey(file)) ?? key
}

async function readKey(file: string): Promise<Uint8Array | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const hex = text.trim()
  return HEX.test(hex) ? Buffer.from(hex, 'hex') : undefined
}
