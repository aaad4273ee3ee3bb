/**
 * The options every command takes. In a module of its own, beside neither args.ts (which reads
 * them) nor the commands (which use them), so that neither has to import the other for it.
 */
export interface GlobalOptions {
  /** `--base-url`: the API's root instead of the real one (a replica, a proxy, GitHub Enterprise). */
  readonly baseUrl: string | undefined
  /** `--token`: the GitHub token (else `GITHUB_TOKEN`). */
  readonly token: string | undefined
  /** `--api-key`: the OpenWeatherMap key (else `OPENWEATHER_API_KEY`). */
  readonly apiKey: string | undefined
  /** `--raw`: print the body as received instead of pretty JSON. */
  readonly raw: boolean
  /** `--verbose` / `-v`: one line per response on stderr. */
  readonly verbose: boolean
  /** `--cache-dir`: where the persistent cache lives (else `PLY_CACHE_DIR`, else the user's cache directory). */
  readonly cacheDir: string | undefined
  /** `--no-cache`: no persistent cache. */
  readonly noCache: boolean
  /** `--timeout`: how long each attempt waits for an answer, in ms (else the library's 10 s). */
  readonly timeoutMs: number | undefined
  /** `--retries`: attempts after the first for a call that failed in a retryable way (else 2). */
  readonly retries: number | undefined
}
