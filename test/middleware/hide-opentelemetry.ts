// Loaded with `--import` by tracing.test.ts: makes `@opentelemetry/api` look uninstalled, as it
// is for a user who did not add the optional peer dependency.
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === '@opentelemetry/api') {
      throw Object.assign(new Error(`Cannot find package '@opentelemetry/api'`), { code: 'ERR_MODULE_NOT_FOUND' })
    }
    return nextResolve(specifier, context)
  },
})
