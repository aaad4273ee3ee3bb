// Imports ply-http/redis where ioredis is not installed, then calls its factory.
import { watchModules } from './watch-modules.mjs'

const watch = watchModules()
const { ConfigError } = await import('ply-http')
const { redisConnection } = await import('ply-http/redis')
const redisModulesTriedByImport = watch.tried({ ownEntry: false })
let error
try {
  redisConnection('redis://127.0.0.1:6379')
} catch (caught) {
  error = caught
}
console.log(
  JSON.stringify({
    redisModulesTriedByImport,
    name: error?.name,
    isConfigError: error instanceof ConfigError,
    message: error?.message,
  }),
)
