import { auth, dedupe, parse, type RateLimitMiddleware, rateLimit, retry } from '../../middleware/index.ts'
import type { Quota } from '../../src/index.ts'
import {
  type ApiResponse,
  type Client,
  createClient,
  type Paginated,
  type PaginateOptions,
  type RequestOptions,
} from '../../src/index.ts'
import { optionNames } from '../../src/kit.ts'
import { presetStorage } from '../shared/cache.ts'
import { rejectUnknownPresetCallOptions } from '../shared/call-options.ts'
import { type Closable, useOuter } from '../shared/options.ts'
import { tagOf } from '../shared/tag.ts'
import { githubErrorOf } from './errors.ts'
import { checkGitHubOptions, GITHUB_DEFAULTS, type GitHubOptions } from './options.ts'
import { parseRoute, placeParams } from './route.ts'
import { isRateLimitRefusal, secondaryRateLimit } from './secondary.ts'
import type {
  GitHubCallOptions,
  GitHubIssue,
  GitHubMinimalRepository,
  GitHubRateLimit,
  GitHubRepository,
  GitHubRepositorySearch,
  GitHubUser,
  ItemOf,
  ListIssuesParams,
  ListUserReposParams,
  RequestParams,
  RouteArgs,
  RouteData,
  SearchRepositoriesParams,
} from './types.ts'

export { GitHubError, type GitHubErrorBody, type GitHubValidationError } from './errors.ts'
export type { GitHubOptions } from './options.ts'
export { isRateLimitRefusal, secondaryRateLimit } from './secondary.ts'
export type * from './types.ts'

/** Rate-limit groups of the GitHub stack: search has its own quota, mutations are spaced. */
export type GitHubLimitGroup = 'default' | 'search' | 'mutation'

/** Paging options of `paginate()` and the list helpers: a page or item limit. */
export type GitHubPageOptions = Pick<PaginateOptions<unknown, unknown>, 'maxPages' | 'maxItems'> & GitHubCallOptions

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS'])
/** What `GitHubPageOptions` adds to a call's options. */
const PAGE_OPTIONS: ReadonlySet<string> = new Set(
  optionNames<Omit<GitHubPageOptions, keyof GitHubCallOptions>>()(['maxPages', 'maxItems']),
)

/**
 * A GitHub REST API client: ply's stack assembled for GitHub (parse, cache with ETag
 * revalidation, dedupe, retry, rate limits learnt from `x-ratelimit-*` with search and
 * mutations in groups of their own, GitHub's secondary limit, bearer auth), with routes as
 * GitHub's documentation writes them and typed helpers.
 */
export class GitHub implements Closable {
  /** The ply client underneath, for `fetch`, `extend` or calls the helpers do not cover. */
  readonly client: Client
  readonly #limiter: RateLimitMiddleware

  constructor(options: GitHubOptions = {}) {
    checkGitHubOptions(options)
    const baseUrl = options.baseUrl ?? GITHUB_DEFAULTS.baseUrl
    this.client = createClient({
      baseUrl,
      timeout: options.timeout,
      fetch: options.fetch,
      headers: {
        accept: 'application/vnd.github+json',
        'user-agent': options.userAgent ?? GITHUB_DEFAULTS.userAgent,
        'x-github-api-version': options.apiVersion ?? GITHUB_DEFAULTS.apiVersion,
      },
    })
    const { token } = options
    const maxWait = options.maxWait ?? GITHUB_DEFAULTS.maxWait
    const origin = new URL(baseUrl)
    const basePath = origin.pathname.replace(/\/$/, '')
    const tokenTag = typeof token === 'string' ? tagOf(token) : token ? 'token' : 'anonymous'
    const storage = presetStorage(options, 'github', () => `github:${origin.host}:${tokenTag}`)
    this.#limiter = rateLimit({
      concurrency: options.concurrency ?? GITHUB_DEFAULTS.concurrency,
      maxWait,
      groups: {
        // GitHub's search quota: 30 a minute with a token, 10 without; the server teaches the rest.
        search: { perMinute: token ? 30 : 10 },
        // GitHub asks for mutations one at a time, at least a second apart, and caps
        // content-creating requests at 80 a minute and 500 an hour (its secondary limits). They
        // spend the same core quota as reads: a spent quota learnt from a GET holds them too.
        mutation: { perSecond: 1, perMinute: 80, perHour: 500, concurrency: 1, sharesQuotaWith: 'default' },
      },
      group: (ctx) => {
        const path = ctx.request.peekUrl().pathname
        if (path.startsWith(`${basePath}/search/`)) return 'search'
        return SAFE.has(ctx.request.method) ? undefined : 'mutation'
      },
      ...(storage.shared ? { shared: storage.shared } : {}),
    })
    useOuter(this.client, options.outer, 'github()')
    this.client.use(parse())
    if (storage.cache) this.client.use(storage.cache)
    this.client
      .use(dedupe())
      .use(
        retry({
          maxRetryAfter: maxWait,
          // Mutations are what usually meet the secondary limit; GitHub did not act on a refused one.
          unprocessed: isRateLimitRefusal,
          ...options.retry,
        }),
      )
      .use(this.#limiter)
      .use(secondaryRateLimit())
    // The token goes to the API's origin (GitHub's, or the configured Enterprise server's) and
    // nowhere else: not to an absolute URL, a Link elsewhere, or an `extend()` child's baseUrl.
    if (token !== undefined) this.client.use(auth.bearer(token, { origins: [origin.origin] }))
  }

  /**
   * Calls a route as GitHub's documentation writes it, `'GET /repos/{owner}/{repo}'`.
   * Parameters named in the path fill it; the others go to the query for GET (arrays joined
   * with commas) and to the JSON body otherwise. Known routes are typed from GitHub's OpenAPI
   * description. Errors: `GitHubError` (an `HttpError` with GitHub's message,
   * `documentationUrl` and `errors[]`), `AuthError` for a 401, `RateLimitError` for a spent quota.
   */
  async request<R extends string>(route: R, ...[params, options]: RouteArgs<R>): Promise<ApiResponse<RouteData<R>>> {
    const parsed = parseRoute(route)
    rejectUnknownPresetCallOptions(`github ${parsed.method} ${parsed.path}`, options, this.client)
    // A route without parameters types them `unknown`; placeParams() checks what it is given.
    const call: RequestOptions = { ...options, ...placeParams(parsed, params as RequestParams | undefined) }
    try {
      return await this.client.request<RouteData<R>>(parsed.method, parsed.path, call)
    } catch (error) {
      throw githubErrorOf(error)
    }
  }

  /**
   * Walks a paginated route, following `Link: rel="next"`: iterate it for items (the array, or
   * the `items` of a search), `.pages()` for responses, `.all()` for an array. Asks for 100
   * per page unless `per_page` is given. `maxPages` / `maxItems` bound it.
   */
  paginate<R extends string>(
    route: R,
    params?: R extends `GET ${string}` ? RouteArgs<R>[0] : never,
    options: GitHubPageOptions = {},
  ): Paginated<RouteData<R>, ItemOf<RouteData<R>>> {
    const parsed = parseRoute(route)
    rejectUnknownPresetCallOptions(`github paginate ${parsed.path}`, options, this.client, PAGE_OPTIONS)
    const placed = placeParams(parsed, { per_page: 100, ...(params as Record<string, unknown> | undefined) })
    const pages = this.client.paginate<RouteData<R>, ItemOf<RouteData<R>>>(parsed.path, {
      ...options,
      ...placed,
      items: (page) => itemsOf(page.data) as Iterable<ItemOf<RouteData<R>>>,
    })
    return mapErrors(pages)
  }

  /** `GET /users/{username}`: a user's public profile. */
  getUser(username: string, options?: GitHubCallOptions): Promise<ApiResponse<GitHubUser>> {
    return this.request('GET /users/{username}', { username }, options)
  }

  /** `GET /users/{username}/repos`, every page (bound it with `maxPages` / `maxItems`). */
  listUserRepos(
    username: string,
    params: ListUserReposParams = {},
    options?: GitHubPageOptions,
  ): Paginated<GitHubMinimalRepository[], GitHubMinimalRepository> {
    return this.paginate('GET /users/{username}/repos', { username, ...params }, options)
  }

  /** `GET /search/repositories`: one page of results for `q` (GitHub's search syntax), with `sort` and `order`. */
  searchRepositories(
    q: string,
    params: SearchRepositoriesParams = {},
    options?: GitHubCallOptions,
  ): Promise<ApiResponse<GitHubRepositorySearch>> {
    return this.request('GET /search/repositories', { q, ...params }, options)
  }

  /** `GET /repos/{owner}/{repo}`: a repository. */
  getRepo(owner: string, repo: string, options?: GitHubCallOptions): Promise<ApiResponse<GitHubRepository>> {
    return this.request('GET /repos/{owner}/{repo}', { owner, repo }, options)
  }

  /** `GET /repos/{owner}/{repo}/issues`, every page (`state`, `labels`, … as GitHub takes them). */
  listIssues(
    owner: string,
    repo: string,
    params: ListIssuesParams = {},
    options?: GitHubPageOptions,
  ): Paginated<GitHubIssue[], GitHubIssue> {
    return this.paginate('GET /repos/{owner}/{repo}/issues', { owner, repo, ...params }, options)
  }

  /** `GET /rate_limit`: the caller's quotas (this call does not count against them). */
  getRateLimit(options?: GitHubCallOptions): Promise<ApiResponse<GitHubRateLimit>> {
    return this.request('GET /rate_limit', {}, { cache: 'no-store', ...options })
  }

  /** What the last responses said about a group's quota (limit, remaining, reset). */
  quota(group: GitHubLimitGroup = 'default'): Quota {
    return this.#limiter.quota(group)
  }

  /**
   * Closes the client underneath (`client.close()`): later calls reject with a
   * `ClientClosedError`, the cache's pending writes land, and the Redis connections ply opened
   * (shared limits, cache store) end, so the process can exit. Idempotent; `await using`
   * calls it too.
   */
  close(): Promise<void> {
    return this.client.close()
  }

  /** `await using gh = github(…)` closes it when the block ends: `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }
}

/** Creates a GitHub REST API client; see `GitHub`. */
export function github(options: GitHubOptions = {}): GitHub {
  return new GitHub(options)
}

/** A page's items: the array itself, or the one list a wrapper object holds (`items`, `repositories`, …). */
function itemsOf(data: unknown): Iterable<unknown> {
  if (Array.isArray(data)) return data
  if (typeof data === 'object' && data !== null) {
    const record = data as Record<string, unknown>
    if (Array.isArray(record.items)) return record.items
    const lists = Object.values(record).filter(Array.isArray)
    if (lists.length === 1) return lists[0] as unknown[]
  }
  return []
}

/** The same paginated walk, with GitHub's errors mapped as `request()` maps them. */
function mapErrors<T, Item>(walk: Paginated<T, Item>): Paginated<T, Item> {
  // `yield*` forwards an early `return()` (a `break` in the caller's loop) to the walk.
  const guard = async function* <V>(source: AsyncIterable<V>): AsyncIterableIterator<V> {
    try {
      yield* source
    } catch (error) {
      throw githubErrorOf(error)
    }
  }
  return {
    pages: () => guard(walk.pages()),
    [Symbol.asyncIterator]: () => guard(walk),
    all: () => walk.all().catch((error: unknown) => Promise.reject(githubErrorOf(error))),
  }
}
