/** What `ply --help` prints. */
export const USAGE = `ply: REST API clients from the command line, built on ply

Usage:
  ply github user <name>                 a user's profile
  ply github repos <user> [--all] [--limit N]
                                         a user's repositories: the first 30, --all for
                                         every page, --limit N for at most N
  ply github search <query> [--sort stars|forks|help-wanted-issues|updated]
                            [--order asc|desc]
                                         search repositories (GitHub's query syntax)
  ply weather <place> [--forecast] [--units metric|imperial|standard] [--lang xx]
                                         current weather, or the 5-day forecast; a place is
                                         London, London,GB, 51.5,-0.12 or zip:94040,us
  ply get <url> [--header 'Name: value']... [--bearer TOKEN] [--json '<body>'] [--method M]
                                         any HTTP API through ply's stack (POST with --json)

Options:
  --base-url <url>     the API's root (a replica, a proxy, GitHub Enterprise)
  --token <token>      GitHub token (default: $GITHUB_TOKEN; anonymous without one)
  --api-key <key>      OpenWeatherMap key (default: $OPENWEATHER_API_KEY)
  --raw                print the body as received (compact JSON) instead of pretty JSON
  -v, --verbose        on stderr: method, URL, status, cache status, attempts, time
  --cache-dir <dir>    the persistent cache (default: $PLY_CACHE_DIR, else the user's cache
                       directory, e.g. ~/.cache/ply)
  --no-cache           no persistent cache for this run
  --timeout <ms>       how long each attempt waits for an answer (default 10000)
  --retries <n>        attempts after the first when one fails with a network error,
                       a timeout, a 429 or a 50x (default 2; never for POST or PATCH)
  -h, --help           this help
  --version            ply's version

A failed attempt or a wait longer than a second is told on stderr as it happens.
Proxies: HTTPS_PROXY, HTTP_PROXY and NO_PROXY are honoured (Node 24.14 or later, or
any Node from 22.21 started with NODE_USE_ENV_PROXY=1).

Every request revalidates what the cache holds (If-None-Match), so a repeated command
costs a 304, which GitHub does not count against the rate limit.

Exit codes: 0 success, 1 the API answered an error or the network failed, 2 usage error,
3 authentication failed or a key is missing, 4 rate limited.
`
