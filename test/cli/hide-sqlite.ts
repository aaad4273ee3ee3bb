// Loaded with `--import` by cli.test.ts: makes `@keyv/sqlite` look uninstalled, as it is for a
// user who did not add the optional peer dependency, and with PLY_TEST_HIDE_NODE_SQLITE=1 makes
// `node:sqlite` missing too, as it is on Node 22 before 22.13 without `--experimental-sqlite`.
import { registerHooks } from 'node:module'

const hideNodeSqlite = process.env.PLY_TEST_HIDE_NODE_SQLITE === '1'

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '@keyv/sqlite') {
      throw Object.assign(new Error(`Cannot find package '@keyv/sqlite'`), { code: 'ERR_MODULE_NOT_FOUND' })
    }
    if (hideNodeSqlite && (specifier === 'node:sqlite' || specifier === 'sqlite')) {
      throw Object.assign(new Error('No such built-in module: node:sqlite'), { code: 'ERR_UNKNOWN_BUILTIN_MODULE' })
    }
    return nextResolve(specifier, context)
  },
})
