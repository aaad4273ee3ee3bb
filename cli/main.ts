import { parseInvocation } from './args.ts'
import { openWeatherKey } from './credentials.ts'
import { EXIT } from './errors.ts'
import { USAGE } from './help.ts'
import { failureOf } from './report.ts'
import type { Io } from './run.ts'
import { version } from './version.ts'

export type { Io } from './run.ts'

/**
 * Runs `ply` with the arguments after the program name and resolves to the exit code. It
 * never throws: an error is one line on stderr, `ply: <message>`, and its exit code. The
 * command line is checked before the library is loaded, so `--help`, `--version` and usage
 * errors answer at once; the cache and every connection are closed before it resolves, so
 * the process can end by itself.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  try {
    const invocation = parseInvocation(argv)
    if (invocation.kind === 'help') {
      io.stdout.write(USAGE)
      return EXIT.ok
    }
    if (invocation.kind === 'version') {
      io.stdout.write(`${version()}\n`)
      return EXIT.ok
    }
    const { global, command } = invocation
    // A missing key is reported before anything is loaded or created on disk.
    if (command.name === 'weather') openWeatherKey(global, io.env)
    const { execute } = await import('./run.ts')
    await execute(global, command, io)
    return EXIT.ok
  } catch (error) {
    const { code, message } = await failureOf(error)
    io.stderr.write(`ply: ${message}\n`)
    return code
  }
}
