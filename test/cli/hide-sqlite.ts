// Loaded with `--import` by cli.test.ts: makes `@keyv/sqlite` look uninstalled, as it is for a
// user who did not add the optional peer dependency.
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '@keyv/sqlite') {
      throw Object.assign(new Error(`Cannot find package '@keyv/sqlite'`), { code: 'ERR_MODULE_NOT_FOUND' })
    }
    return nextResolve(specifier, context)
  },
})
