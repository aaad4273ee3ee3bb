import { isSecretHeader, registerSecret } from '../middleware/kit.ts'
import type { Command } from './commands/index.ts'
import { present } from './credentials.ts'
import type { GlobalOptions } from './global-options.ts'

/**
 * Registers every credential of this run with the library's redaction, so that no message,
 * error or `--verbose` line can print one: the token, the key, `ply get`'s bearer and the
 * values of its secret headers (`Authorization`, `X-Api-Key`, …).
 */
export function registerSecrets(global: GlobalOptions, command: Command, env: NodeJS.ProcessEnv): void {
  const values = [global.token, global.apiKey, present(env.GITHUB_TOKEN), present(env.OPENWEATHER_API_KEY)]
  if (command.name === 'get') {
    values.push(command.bearer)
    for (const [name, value] of command.headers) {
      // `Authorization: Bearer abc`: the credential is also the part after the scheme.
      if (isSecretHeader(name)) values.push(value, value.replace(/^\S+\s+/, ''))
    }
  }
  for (const value of values) if (value !== undefined) registerSecret(value)
}
