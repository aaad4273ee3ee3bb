import { GithubStore, type NewIssue, type SeedRepo, type StoredIssue } from './github-data.ts'
import { type Bucket, RateLimits, type Resource } from './github-limits.ts'
import {
  httpDate,
  type Incoming,
  ifNoneMatchMatches,
  jsonReply,
  notModifiedSince,
  type Reply,
  requestId,
  weakEtag,
} from './http.ts'
import { paginate } from './pagination.ts'

/** How the GitHub half of the replica behaves (see `ReplicaOptions.github`). */
export interface GithubReplicaOptions {
  /** Tokens the API accepts (Authorization: Bearer <t> or "token <t>"). Default ['ghp_replica_token']. Any other token → 401 Bad credentials. */
  tokens?: readonly string[] | undefined
  /** Primary quota per window for each token. Default 5000. */
  limit?: number | undefined
  /** Primary quota per window shared by all anonymous callers. Default 60. */
  anonymousLimit?: number | undefined
  /** Window length in seconds (default 3600). The window starts at the bucket's first counted request; x-ratelimit-reset = window start + this, in epoch seconds (Math.ceil). */
  windowSeconds?: number | undefined
  /** Search quota per minute for each token (default 30); a separate bucket, resource "search". */
  searchLimit?: number | undefined
  /** Search quota per minute shared by anonymous callers (default 10). */
  anonymousSearchLimit?: number | undefined
  /** Two mutations (POST/PATCH/PUT/DELETE) by the same token closer than this many ms → secondary-limit 403. Default 900. 0 disables. */
  mutationSpacingMs?: number | undefined
}

/** The GitHub half of the replica: a request handler plus the test controls of `Replica.github`. */
export interface GithubReplica {
  /** Answers one GitHub request. */
  handle(req: Incoming): Reply
  /** Remaining core quota for a token (undefined = anonymous). */
  remaining(token?: string): number
  /** Sets the core bucket of a token (undefined = anonymous): remaining count and the reset as epoch ms. */
  setQuota(token: string | undefined, quota: { remaining: number; resetAt: number }): void
  /** Answers the next `count` GitHub requests with the secondary-limit 403 without Retry-After. */
  secondaryLimitNext(count: number): void
}

/** The API version answered when the request names none. */
const DEFAULT_API_VERSION = '2022-11-28'
const DOCS = 'https://docs.github.com/rest'
const EXPOSE_HEADERS =
  'ETag, Link, Location, Retry-After, X-GitHub-OTP, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Used, ' +
  'X-RateLimit-Resource, X-RateLimit-Reset, X-OAuth-Scopes, X-Accepted-OAuth-Scopes, X-Poll-Interval, ' +
  'X-GitHub-Media-Type, X-GitHub-SSO, X-GitHub-Request-Id, Deprecation, Sunset'
const USER_AGENT_MESSAGE =
  'Request forbidden by administrative rules. Please make sure your request has a User-Agent header ' +
  '(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). ' +
  'Check https://developer.github.com for other possible causes.'
const GOOD_NEWS =
  "(But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
const MUTATIONS = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])
/** Every accepted token authenticates as this user. */
const TOKEN_OWNER = 'octocat'
const TOKEN_OWNER_ID = 583231

/** Who is calling: a valid token, or nobody. */
interface Caller {
  readonly token: string | undefined
}

/** What a route answers before the conditional-request and quota bookkeeping. */
interface Outcome {
  readonly status: number
  readonly body: unknown
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** Epoch ms of the resource's `updated_at`, for `Last-Modified`. */
  readonly lastModified?: number | undefined
}

function notFound(documentation = DOCS): Outcome {
  return { status: 404, body: { message: 'Not Found', documentation_url: documentation, status: '404' } }
}

function validationFailed(errors: readonly Record<string, string>[], documentation: string): Outcome {
  return {
    status: 422,
    body: { message: 'Validation Failed', errors, documentation_url: documentation, status: '422' },
  }
}

/** `asc`/`desc` from the query, else `fallback`. */
function direction(url: URL, fallback: 'asc' | 'desc'): 1 | -1 {
  const value = url.searchParams.get('direction') ?? url.searchParams.get('order')
  const chosen = value === 'asc' || value === 'desc' ? value : fallback
  return chosen === 'asc' ? 1 : -1
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The GitHub REST API as far as the presets use it, over the seeded `GithubStore`. Checks run
 * in GitHub's order: User-Agent (403), credentials (401, not counted), a forced secondary
 * limit (`secondaryLimitNext`), the primary quota (403 at 0), the secondary limit on
 * mutations (403 with `retry-after: 60`), then the endpoint. Every answer from an endpoint
 * counts against the quota except a 304 (GitHub's rule for conditional requests) and
 * `GET /rate_limit`.
 */
export function createGithub(options: GithubReplicaOptions | undefined, api: string): GithubReplica {
  const tokens = new Set(options?.tokens ?? ['ghp_replica_token'])
  const limits = new RateLimits({
    core: {
      authenticated: options?.limit ?? 5000,
      anonymous: options?.anonymousLimit ?? 60,
      windowMs: (options?.windowSeconds ?? 3600) * 1000,
    },
    search: {
      authenticated: options?.searchLimit ?? 30,
      anonymous: options?.anonymousSearchLimit ?? 10,
      windowMs: 60_000,
    },
    mutationSpacingMs: options?.mutationSpacingMs ?? 900,
  })
  const store = new GithubStore(api)
  let forcedSecondary = 0

  function baseHeaders(req: Incoming, id: string, caller: Caller | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      server: 'github.com',
      'x-github-api-version-selected': req.headers['x-github-api-version'] ?? DEFAULT_API_VERSION,
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': id,
      'access-control-allow-origin': '*',
      'access-control-expose-headers': EXPOSE_HEADERS,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'deny',
      'x-xss-protection': '0',
      'referrer-policy': 'origin-when-cross-origin, strict-origin-when-cross-origin',
      'content-security-policy': "default-src 'none'",
    }
    if (caller?.token !== undefined) {
      headers['x-oauth-scopes'] = 'repo, user'
      headers['x-accepted-oauth-scopes'] = ''
    }
    return headers
  }

  /** The caller, or `undefined` for credentials GitHub would refuse. */
  function authenticate(req: Incoming): Caller | undefined {
    const header = req.headers.authorization
    if (header === undefined) return { token: undefined }
    const match = /^\s*(?:bearer|token)\s+(\S+)\s*$/i.exec(header)
    const token = match?.[1]
    return token !== undefined && tokens.has(token) ? { token } : undefined
  }

  function secondaryBody(id: string): unknown {
    return {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
        `If you reach out to GitHub Support for help, please include the request ID ${id}.`,
      documentation_url:
        'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    }
  }

  function rateLimitBody(req: Incoming, caller: Caller, id: string): unknown {
    const message =
      caller.token === undefined
        ? `API rate limit exceeded for ${req.remoteAddress}. ${GOOD_NEWS}`
        : `API rate limit exceeded for user ID ${TOKEN_OWNER_ID}. If you reach out to GitHub Support for help, please include the request ID ${id}.`
    return { message, documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting` }
  }

  function rateLimitResource(caller: Caller): unknown {
    const full = (limit: number) => ({ limit, used: 0, remaining: limit, reset: Math.ceil(Date.now() / 1000) + 3600 })
    const core = limits.summary('core', limits.bucket('core', caller.token))
    const search = limits.summary('search', limits.bucket('search', caller.token))
    const authed = caller.token !== undefined
    return {
      resources: {
        core,
        search,
        graphql: full(authed ? 5000 : 0),
        integration_manifest: full(5000),
        code_search: { ...full(authed ? 10 : 0), reset: Math.ceil(Date.now() / 1000) + 60 },
      },
      rate: core,
    }
  }

  // ---- endpoints ----

  function getUser(login: string): Outcome {
    const user = store.user(login)
    if (user === undefined) return notFound(`${DOCS}/users/users#get-a-user`)
    return { status: 200, body: store.userJson(user), lastModified: Date.parse(user.updatedAt) }
  }

  function listUserRepos(login: string, url: URL): Outcome {
    const user = store.user(login)
    if (user === undefined) return notFound(`${DOCS}/repos/repos#list-repositories-for-a-user`)
    const type = url.searchParams.get('type')
    const repos = type === 'member' ? [] : store.reposOf(user)
    const sortParam = url.searchParams.get('sort')
    const sort = sortParam === 'created' || sortParam === 'updated' || sortParam === 'pushed' ? sortParam : 'full_name'
    const sign = direction(url, sort === 'full_name' ? 'asc' : 'desc')
    const key = (r: SeedRepo) =>
      sort === 'created'
        ? r.createdAt
        : sort === 'updated'
          ? r.updatedAt
          : sort === 'pushed'
            ? r.pushedAt
            : `${r.owner}/${r.name}`.toLowerCase()
    const sorted = [...repos].sort((a, b) => sign * compare(key(a), key(b)) || compare(a.id, b.id))
    return listOutcome(
      sorted.map((r) => store.repoJson(r)),
      url,
    )
  }

  function listOutcome(items: readonly unknown[], url: URL): Outcome {
    const page = paginate(items, url)
    return { status: 200, body: page.items, headers: page.link === undefined ? {} : { link: page.link } }
  }

  function getRepo(owner: string, name: string): Outcome {
    const repo = store.repo(owner, name)
    if (repo === undefined) return notFound(`${DOCS}/repos/repos#get-a-repository`)
    return { status: 200, body: store.repoJson(repo, true), lastModified: Date.parse(repo.updatedAt) }
  }

  function listIssues(owner: string, name: string, url: URL): Outcome {
    const repo = store.repo(owner, name)
    if (repo === undefined) return notFound(`${DOCS}/issues/issues#list-repository-issues`)
    const state = url.searchParams.get('state')
    const wanted = state === 'closed' || state === 'all' ? state : 'open'
    const labels = (url.searchParams.get('labels') ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean)
    const sortParam = url.searchParams.get('sort')
    const sort = sortParam === 'updated' || sortParam === 'comments' ? sortParam : 'created'
    const key = (i: StoredIssue) => (sort === 'updated' ? i.updatedAt : sort === 'comments' ? i.comments : i.createdAt)
    const sign = direction(url, 'desc')
    const issues = store
      .issues(repo)
      .filter((i) => wanted === 'all' || i.state === wanted)
      .filter((i) => labels.every((l) => i.labels.includes(l)))
      .sort((a, b) => sign * compare(key(a), key(b)) || sign * compare(a.number, b.number))
    return listOutcome(
      issues.map((i) => store.issueJson(repo, i)),
      url,
    )
  }

  function createIssue(owner: string, name: string, req: Incoming, caller: Caller): Outcome {
    const documentation = `${DOCS}/issues/issues#create-an-issue`
    const repo = store.repo(owner, name)
    if (repo === undefined) return notFound(documentation)
    if (caller.token === undefined) {
      return {
        status: 401,
        body: { message: 'Requires authentication', documentation_url: documentation, status: '401' },
      }
    }
    let input: unknown
    try {
      input = JSON.parse(req.body === '' ? '{}' : req.body)
    } catch {
      return {
        status: 400,
        body: { message: 'Problems parsing JSON', documentation_url: documentation, status: '400' },
      }
    }
    const issue = validIssue(input)
    if (issue === undefined) {
      return validationFailed([{ resource: 'Issue', code: 'missing_field', field: 'title' }], documentation)
    }
    const created = store.createIssue(repo, issue, TOKEN_OWNER, Date.now())
    return {
      status: 201,
      body: store.issueJson(repo, created),
      headers: { location: `${api}/repos/${repo.owner}/${repo.name}/issues/${created.number}` },
    }
  }

  function searchRepositories(url: URL): Outcome {
    const documentation = 'https://docs.github.com/v3/search'
    const q = url.searchParams.get('q')?.trim() ?? ''
    if (q === '') return validationFailed([{ resource: 'Search', field: 'q', code: 'missing' }], documentation)
    const { words, owner, language } = parseQuery(q)
    const scored = store
      .allRepos()
      .filter((r) => owner === undefined || r.owner.toLowerCase() === owner)
      .filter((r) => language === undefined || r.language?.toLowerCase() === language)
      .map((r) => ({ repo: r, score: score(r, words) }))
      .filter((hit) => hit.score > 0)
    const sortParam = url.searchParams.get('sort')
    const sign = direction(url, 'desc')
    const key = (hit: { repo: SeedRepo; score: number }) =>
      sortParam === 'stars'
        ? hit.repo.stars
        : sortParam === 'forks'
          ? hit.repo.forks
          : sortParam === 'updated'
            ? hit.repo.updatedAt
            : hit.score
    scored.sort((a, b) => sign * compare(key(a), key(b)) || compare(b.repo.stars, a.repo.stars))
    const items = scored.slice(0, 1000).map((hit) => ({ ...store.repoJson(hit.repo), score: hit.score }))
    const page = paginate(items, url)
    return {
      status: 200,
      body: { total_count: scored.length, incomplete_results: false, items: page.items },
      headers: page.link === undefined ? {} : { link: page.link },
    }
  }

  function route(req: Incoming, caller: Caller, parts: readonly string[]): Outcome {
    const read = req.method === 'GET' || req.method === 'HEAD'
    const [a, b, c, d, ...rest] = parts
    if (rest.length > 0) return notFound()
    if (a === 'users' && b !== undefined && d === undefined) {
      if (read && c === undefined) return getUser(b)
      if (read && c === 'repos') return listUserRepos(b, req.url)
    }
    if (a === 'repos' && b !== undefined && c !== undefined) {
      if (read && d === undefined) return getRepo(b, c)
      if (read && d === 'issues') return listIssues(b, c, req.url)
      if (req.method === 'POST' && d === 'issues') return createIssue(b, c, req, caller)
    }
    if (read && a === 'search' && b === 'repositories' && c === undefined) return searchRepositories(req.url)
    return notFound()
  }

  function handle(req: Incoming): Reply {
    const id = requestId()
    if (req.headers['user-agent'] === undefined || req.headers['user-agent'].trim() === '') {
      return jsonReply(403, { message: USER_AGENT_MESSAGE }, { 'x-github-request-id': id })
    }
    const caller = authenticate(req)
    if (caller === undefined) {
      const anonymous = limits.bucket('core', undefined)
      return jsonReply(
        401,
        { message: 'Bad credentials', documentation_url: DOCS, status: '401' },
        { ...baseHeaders(req, id, undefined), ...limits.headers('core', anonymous) },
      )
    }
    const headers = baseHeaders(req, id, caller)
    const parts = segments(req.url.pathname)
    const resource: Resource = parts[0] === 'search' ? 'search' : 'core'
    const bucket: Bucket = limits.bucket(resource, caller.token)
    if (forcedSecondary > 0) {
      forcedSecondary--
      return jsonReply(403, secondaryBody(id), { ...headers, ...limits.headers(resource, bucket) })
    }
    if (parts.length === 1 && parts[0] === 'rate_limit' && (req.method === 'GET' || req.method === 'HEAD')) {
      return jsonReply(200, rateLimitResource(caller), {
        ...headers,
        ...limits.headers('core', limits.bucket('core', caller.token)),
        'cache-control': 'no-cache',
      })
    }
    if (bucket.remaining <= 0) {
      return jsonReply(403, rateLimitBody(req, caller, id), { ...headers, ...limits.headers(resource, bucket) })
    }
    if (MUTATIONS.has(req.method) && !limits.acceptMutation(caller.token)) {
      return jsonReply(403, secondaryBody(id), {
        ...headers,
        ...limits.headers(resource, bucket),
        'retry-after': '60',
      })
    }
    const outcome = route(req, caller, parts)
    const body = JSON.stringify(outcome.body)
    const extra: Record<string, string> = { ...outcome.headers }
    if ((req.method === 'GET' || req.method === 'HEAD') && outcome.status === 200) {
      const etag = weakEtag(body)
      extra.etag = etag
      extra['cache-control'] = `${caller.token === undefined ? 'public' : 'private'}, max-age=60, s-maxage=60`
      extra.vary = 'Accept, Authorization, Cookie, X-GitHub-OTP'
      if (outcome.lastModified !== undefined) extra['last-modified'] = httpDate(outcome.lastModified)
      if (isNotModified(req, etag, outcome.lastModified)) {
        const { link: _link, ...kept } = extra
        const { 'content-type': _type, ...base } = headers
        return { status: 304, headers: { ...base, ...kept, ...limits.headers(resource, bucket) }, body: '' }
      }
    }
    limits.consume(resource, bucket)
    return {
      status: outcome.status,
      headers: { ...headers, ...extra, ...limits.headers(resource, bucket) },
      body,
    }
  }

  return {
    handle,
    remaining: (token) => limits.bucket('core', token).remaining,
    setQuota: (token, quota) => limits.set(token, quota.remaining, quota.resetAt),
    secondaryLimitNext: (count) => {
      forcedSecondary += Math.max(0, Math.floor(count))
    },
  }
}

/** Path segments, percent-decoded; a malformed escape leaves the segment as sent. */
function segments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s)
      } catch {
        return s
      }
    })
}

/**
 * Whether a conditional GET is answered 304: `If-None-Match` decides when present (weak
 * comparison, `*` allowed); otherwise `If-Modified-Since` against `Last-Modified`.
 */
function isNotModified(req: Incoming, etag: string, lastModified: number | undefined): boolean {
  const inm = req.headers['if-none-match']
  if (inm !== undefined) return ifNoneMatchMatches(inm, etag)
  const ims = req.headers['if-modified-since']
  return ims !== undefined && lastModified !== undefined && notModifiedSince(ims, lastModified)
}

/** The body of an issue creation, or `undefined` when the title is missing or empty. */
function validIssue(input: unknown): NewIssue | undefined {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return undefined
  const fields = input as Record<string, unknown>
  const title = typeof fields.title === 'number' ? String(fields.title) : fields.title
  if (typeof title !== 'string' || title.trim() === '') return undefined
  const labels = Array.isArray(fields.labels)
    ? fields.labels.flatMap((l: unknown) =>
        typeof l === 'string' ? [l] : typeof l === 'object' && l !== null && 'name' in l ? [String(l.name)] : [],
      )
    : []
  return { title, body: typeof fields.body === 'string' ? fields.body : null, labels }
}

/** Search terms and the qualifiers the replica understands (`user:`/`org:`, `language:`). */
function parseQuery(q: string): { words: string[]; owner: string | undefined; language: string | undefined } {
  const words: string[] = []
  let owner: string | undefined
  let language: string | undefined
  for (const term of q.toLowerCase().split(/\s+/).filter(Boolean)) {
    const qualifier = /^([a-z-]+):(.+)$/.exec(term)
    if (qualifier === null) words.push(term.replace(/^"|"$/g, ''))
    else if (qualifier[1] === 'user' || qualifier[1] === 'org' || qualifier[1] === 'owner') owner = qualifier[2]
    else if (qualifier[1] === 'language') language = qualifier[2]
    // other qualifiers (stars:, in:, is:, …) are accepted and ignored
  }
  return { words, owner, language }
}

/** How well a repository matches every word (0 = not a hit): a name hit weighs 2, description or topic 1. */
function score(repo: SeedRepo, words: readonly string[]): number {
  if (words.length === 0) return 1
  let total = 0
  for (const word of words) {
    const inName = repo.name.toLowerCase().includes(word) ? 2 : 0
    const inDescription = repo.description?.toLowerCase().includes(word) ? 1 : 0
    const inTopics = repo.topics.some((t) => t.includes(word)) ? 1 : 0
    const points = inName + inDescription + inTopics
    if (points === 0) return 0
    total += points
  }
  return total
}
