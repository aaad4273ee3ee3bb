import { MissingCredentialError } from './errors.ts'
import type { GlobalOptions } from './global-options.ts'

/** What `ply weather` says when it has no key. */
export const MISSING_OWM_KEY =
  'ply weather needs an OpenWeatherMap API key: set OPENWEATHER_API_KEY or pass --api-key (get one at https://home.openweathermap.org/api_keys)'

/** The GitHub token: `--token`, else `GITHUB_TOKEN`; `undefined` means anonymous. */
export function githubToken(global: GlobalOptions, env: NodeJS.ProcessEnv): string | undefined {
  return global.token ?? present(env.GITHUB_TOKEN)
}

/** The OpenWeatherMap key: `--api-key`, else `OPENWEATHER_API_KEY`; a `MissingCredentialError` without one. */
export function openWeatherKey(global: GlobalOptions, env: NodeJS.ProcessEnv): string {
  const key = global.apiKey ?? present(env.OPENWEATHER_API_KEY)
  if (key === undefined) throw new MissingCredentialError(MISSING_OWM_KEY)
  return key
}

/** An environment variable's value, or `undefined` when it is unset or blank. */
export function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}
