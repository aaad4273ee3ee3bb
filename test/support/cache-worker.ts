// Run as a child process by cache-stores.test.ts: one GET through cache() over an SQLite file,
// prints what it got as one line of JSON, and then does nothing more. It must exit on its own
// (the store is deliberately not disconnected: nothing the cache or the client made may hold the
// process open).
//
//   <sqliteFile> <baseUrl> <path>

import KeyvSqlite from '@keyv/sqlite'
import Keyv from 'keyv'
import { cache } from '../../middleware/cache/index.ts'
import { createClient } from '../../src/index.ts'

const [file, base, path] = process.argv.slice(2) as [string, string, string]
const store = new Keyv({ store: new KeyvSqlite(`sqlite://${file}`) })
const warnings: string[] = []
const client = createClient({ baseUrl: base }).use(
  cache({ store, onStoreError: ({ operation, error }) => warnings.push(`${operation}: ${error.message}`) }),
)
const response = await client.get(path)
const { status, cacheStatus, fromCache, data } = response
process.stdout.write(`${JSON.stringify({ status, cacheStatus, fromCache, data, warnings })}\n`)
