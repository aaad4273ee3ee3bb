import { type DiskCache, openCache } from './cache.ts'
import { resolveCacheDir } from './cache-dir.ts'
import { Calls } from './calls.ts'
import { DEFAULT_RETRIES } from './commands/context.ts'
import { type Command, runCommand } from './commands/index.ts'
import { CallFailure } from './errors.ts'
import type { GlobalOptions } from './global-options.ts'
import { Log, type OutStream } from './log.ts'
import { Output } from './output.ts'
import { useEnvProxy } from './proxy.ts'
import { registerSecrets } from './secrets.ts'

/** Where a run reads and writes: the process's streams and environment, or a test's. */
export interface Io {
  readonly stdout: OutStream
  readonly stderr: OutStream
  readonly env: NodeJS.ProcessEnv
}

/**
 * Runs a checked command: registers its credentials for redaction, sends its requests through
 * the proxy the environment names (if any), opens the persistent cache (unless `--no-cache`),
 * runs the command and closes the cache, also when the command fails. Errors are thrown for
 * the caller to report; one that ended a call comes wrapped in a `CallFailure` that says how
 * many attempts it had and how long they took.
 */
export async function execute(global: GlobalOptions, command: Command, io: Io): Promise<void> {
  registerSecrets(global, command, io.env)
  const log = new Log(io.stderr, global.verbose)
  const calls = new Calls(log, (global.retries ?? DEFAULT_RETRIES) + 1)
  let cache: DiskCache | undefined
  const restoreProxy = await useEnvProxy(io.env, (note) => log.line(note))
  try {
    // Before any preset or auth middleware is built: they hash credential scopes with its key.
    if (!global.noCache) cache = await openCache(resolveCacheDir(global.cacheDir, io.env), (note) => log.line(note))
    const output = new Output(io.stdout, global.raw)
    await runCommand(command, { global, env: io.env, store: cache?.store, output, log, calls })
  } catch (error) {
    const failed = calls.lastFailure
    throw failed === undefined ? error : new CallFailure(error, failed)
  } finally {
    log.endProgress()
    await cache?.close()
    restoreProxy()
  }
}
