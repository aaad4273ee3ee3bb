import { createHash } from 'node:crypto'
import { isoSeconds } from './http.ts'

/** A seeded GitHub account. */
export interface SeedUser {
  readonly login: string
  readonly id: number
  readonly name: string
  readonly company: string | null
  readonly blog: string
  readonly location: string | null
  readonly bio: string | null
  readonly publicGists: number
  readonly followers: number
  readonly following: number
  readonly createdAt: string
  readonly updatedAt: string
}

/** A seeded public repository. */
export interface SeedRepo {
  readonly id: number
  readonly owner: string
  readonly name: string
  readonly description: string | null
  readonly homepage: string | null
  readonly language: string | null
  readonly license: LicenseKey | null
  readonly topics: readonly string[]
  readonly size: number
  readonly stars: number
  readonly forks: number
  readonly createdAt: string
  readonly updatedAt: string
  readonly pushedAt: string
}

/** An issue as the store keeps it; `issueJson` renders it. */
export interface StoredIssue {
  readonly id: number
  readonly number: number
  readonly title: string
  readonly body: string | null
  readonly state: 'open' | 'closed'
  readonly labels: readonly string[]
  readonly author: string
  readonly comments: number
  /** Epoch milliseconds. */
  readonly createdAt: number
  readonly updatedAt: number
  readonly closedAt: number | null
}

/** What a new issue is made of (the validated body of `POST /repos/{owner}/{repo}/issues`). */
export interface NewIssue {
  readonly title: string
  readonly body: string | null
  readonly labels: readonly string[]
}

type LicenseKey = 'mit' | 'gpl-2.0' | 'apache-2.0'

const LICENSES: Record<LicenseKey, { name: string; spdx: string; nodeId: string }> = {
  mit: { name: 'MIT License', spdx: 'MIT', nodeId: 'MDc6TGljZW5zZTEz' },
  'gpl-2.0': { name: 'GNU General Public License v2.0', spdx: 'GPL-2.0', nodeId: 'MDc6TGljZW5zZTg=' },
  'apache-2.0': { name: 'Apache License 2.0', spdx: 'Apache-2.0', nodeId: 'MDc6TGljZW5zZTI=' },
}

/** GitHub's default label colours; any other label gets `ededed`. */
const LABEL_COLORS: Record<string, { color: string; description: string }> = {
  bug: { color: 'd73a4a', description: "Something isn't working" },
  documentation: { color: '0075ca', description: 'Improvements or additions to documentation' },
  enhancement: { color: 'a2eeef', description: 'New feature or request' },
  'good first issue': { color: '7057ff', description: 'Good for newcomers' },
  question: { color: 'd876e3', description: 'Further information is requested' },
}

const USERS: readonly SeedUser[] = [
  {
    login: 'octocat',
    id: 583231,
    name: 'The Octocat',
    company: '@github',
    blog: 'https://github.blog',
    location: 'San Francisco',
    bio: null,
    publicGists: 8,
    followers: 21345,
    following: 9,
    createdAt: '2011-01-25T18:44:36Z',
    updatedAt: '2025-06-03T11:02:27Z',
  },
  {
    login: 'torvalds',
    id: 1024025,
    name: 'Linus Torvalds',
    company: 'Linux Foundation',
    blog: '',
    location: 'Portland, OR',
    bio: null,
    publicGists: 0,
    followers: 231457,
    following: 0,
    createdAt: '2011-09-03T15:26:22Z',
    updatedAt: '2025-05-19T07:41:09Z',
  },
]

type RepoSeed = Omit<SeedRepo, 'owner' | 'homepage' | 'topics'> &
  Partial<Pick<SeedRepo, 'homepage' | 'topics'>> & { readonly owner?: string }

const OCTOCAT_REPOS: readonly RepoSeed[] = [
  {
    id: 464447684,
    name: 'boysenberry-repo-1',
    description: 'Testing',
    language: null,
    license: null,
    size: 1,
    stars: 312,
    forks: 39,
    createdAt: '2022-03-01T03:57:24Z',
    updatedAt: '2025-05-28T08:21:01Z',
    pushedAt: '2024-09-30T18:22:07Z',
  },
  {
    id: 18221276,
    name: 'git-consortium',
    description: 'This repo is for demonstration purposes only.',
    language: null,
    license: null,
    size: 190,
    stars: 136,
    forks: 97,
    createdAt: '2014-03-28T17:55:38Z',
    updatedAt: '2025-04-11T21:43:52Z',
    pushedAt: '2018-11-07T15:20:52Z',
  },
  {
    id: 20978623,
    name: 'hello-worId',
    description: 'My first repository on GitHub.',
    language: null,
    license: null,
    size: 182,
    stars: 389,
    forks: 290,
    createdAt: '2014-06-18T21:26:19Z',
    updatedAt: '2025-05-30T16:05:11Z',
    pushedAt: '2024-05-29T13:52:30Z',
  },
  {
    id: 1296269,
    name: 'Hello-World',
    description: 'My first repository on GitHub!',
    homepage: 'https://github.com',
    language: null,
    license: null,
    topics: ['octocat', 'api', 'example'],
    size: 1,
    stars: 2934,
    forks: 2812,
    createdAt: '2011-01-26T19:01:12Z',
    updatedAt: '2025-06-02T09:18:44Z',
    pushedAt: '2025-04-30T12:00:05Z',
  },
  {
    id: 56271164,
    name: 'linguist',
    description:
      "Language Savant. If your repository's language is being reported incorrectly, send us a pull request!",
    language: 'Ruby',
    license: 'mit',
    topics: ['languages', 'syntax-highlighting'],
    size: 32899,
    stars: 612,
    forks: 225,
    createdAt: '2016-04-14T21:51:04Z',
    updatedAt: '2025-05-20T23:12:40Z',
    pushedAt: '2024-10-04T09:11:50Z',
  },
  {
    id: 17881631,
    name: 'octocat.github.io',
    description: null,
    homepage: 'https://octocat.github.io',
    language: 'CSS',
    license: null,
    size: 16,
    stars: 910,
    forks: 421,
    createdAt: '2014-03-18T20:54:06Z',
    updatedAt: '2025-05-31T04:33:19Z',
    pushedAt: '2024-08-22T17:45:12Z',
  },
  {
    id: 1300192,
    name: 'Spoon-Knife',
    description: 'This repo is for demonstration purposes only.',
    homepage: '',
    language: 'HTML',
    license: null,
    topics: ['demo', 'fork'],
    size: 2,
    stars: 12987,
    forks: 151230,
    createdAt: '2011-01-27T19:30:43Z',
    updatedAt: '2025-06-03T10:02:57Z',
    pushedAt: '2024-08-21T16:42:47Z',
  },
  {
    id: 132935648,
    name: 'test-repo1',
    description: null,
    language: null,
    license: null,
    size: 1,
    stars: 377,
    forks: 311,
    createdAt: '2018-05-10T17:51:29Z',
    updatedAt: '2025-05-22T02:15:33Z',
    pushedAt: '2024-06-10T21:14:39Z',
  },
]

const TORVALDS_REAL: readonly RepoSeed[] = [
  {
    id: 2325298,
    name: 'linux',
    description: 'Linux kernel source tree',
    language: 'C',
    license: 'gpl-2.0',
    topics: ['kernel', 'linux', 'operating-system'],
    size: 5_622_470,
    stars: 193_412,
    forks: 56_118,
    createdAt: '2011-09-04T22:48:12Z',
    updatedAt: '2025-06-03T11:50:02Z',
    pushedAt: '2025-06-03T04:03:51Z',
  },
  {
    id: 79171906,
    name: 'libdc-for-dirk',
    description: 'Only use for syncing with Dirk, the real upstream is Jef',
    language: 'C',
    license: null,
    size: 12_104,
    stars: 258,
    forks: 103,
    createdAt: '2017-01-17T00:25:49Z',
    updatedAt: '2025-04-29T13:10:22Z',
    pushedAt: '2025-01-12T01:45:51Z',
  },
  {
    id: 79171909,
    name: 'subsurface-for-dirk',
    description: 'Do not use - the real upstream is Subsurface-divelog',
    language: 'C++',
    license: 'gpl-2.0',
    size: 96_341,
    stars: 297,
    forks: 99,
    createdAt: '2017-01-17T00:25:49Z',
    updatedAt: '2025-05-14T18:02:37Z',
    pushedAt: '2025-02-26T18:49:32Z',
  },
  {
    id: 1741318,
    name: 'uemacs',
    description: 'Random version of microemacs with my private modificatons',
    language: 'C',
    license: null,
    size: 287,
    stars: 1_524,
    forks: 255,
    createdAt: '2011-05-13T15:07:12Z',
    updatedAt: '2025-05-31T19:40:50Z',
    pushedAt: '2023-01-11T23:38:01Z',
  },
  {
    id: 24452307,
    name: 'test-tlb',
    description: 'Stupid memory latency and TLB tester',
    language: 'C',
    license: null,
    size: 10,
    stars: 803,
    forks: 99,
    createdAt: '2014-09-25T07:03:01Z',
    updatedAt: '2025-05-29T04:22:18Z',
    pushedAt: '2022-08-31T21:04:53Z',
  },
  {
    id: 1750226,
    name: 'pesconvert',
    description: 'Brother PES file converter',
    language: 'C',
    license: null,
    size: 84,
    stars: 420,
    forks: 88,
    createdAt: '2011-05-15T17:31:32Z',
    updatedAt: '2025-05-02T10:06:45Z',
    pushedAt: '2011-06-18T16:49:13Z',
  },
  {
    id: 803453202,
    name: 'GuitarPedal',
    description: 'Linus learns analog circuits',
    language: 'C',
    license: null,
    size: 4_214,
    stars: 3_121,
    forks: 160,
    createdAt: '2024-05-20T19:55:17Z',
    updatedAt: '2025-06-01T22:51:08Z',
    pushedAt: '2025-03-02T00:15:05Z',
  },
  {
    id: 986217540,
    name: 'AudioNoise',
    description: 'Random digital audio effects',
    language: 'Python',
    license: null,
    size: 1_320,
    stars: 902,
    forks: 41,
    createdAt: '2025-01-19T17:32:10Z',
    updatedAt: '2025-06-02T13:14:42Z',
    pushedAt: '2025-05-27T20:38:26Z',
  },
]

const NOUNS = [
  'scheduler',
  'allocator',
  'parser',
  'tracer',
  'bisect',
  'patchwork',
  'fuzzer',
  'bench',
  'shell',
  'sparse',
]
const ADJECTIVES = ['tiny', 'stupid', 'simple', 'random', 'toy', 'quick', 'old', 'experimental']
const LANGUAGES = ['C', 'C', 'Shell', 'Python', 'Rust', 'Makefile', null, 'Perl'] as const
const DAY_MS = 86_400_000

/** 242 made-up repositories that bring torvalds to 250, generated deterministically from their index. */
function generatedTorvaldsRepos(count: number): RepoSeed[] {
  const base = Date.parse('2012-01-01T10:00:00Z')
  return Array.from({ length: count }, (_, i) => {
    const created = base + i * 13 * DAY_MS + (i % 24) * 3_600_000
    const updated = created + (((i * 37) % 700) + 30) * DAY_MS
    const noun = NOUNS[i % NOUNS.length] ?? 'tool'
    const adjective = ADJECTIVES[(i * 3) % ADJECTIVES.length] ?? 'small'
    const stars = (i * 7919) % 500
    return {
      id: 900_000_000 + i * 7919,
      name: `${noun}-${String(i + 1).padStart(3, '0')}`,
      description: i % 9 === 4 ? null : `A ${adjective} ${noun}, mostly for my own use`,
      language: LANGUAGES[i % LANGUAGES.length] ?? null,
      license: i % 5 === 0 ? 'gpl-2.0' : null,
      size: (i * 131) % 4000,
      stars,
      forks: Math.floor(stars / 5),
      createdAt: isoSeconds(created),
      updatedAt: isoSeconds(updated),
      pushedAt: isoSeconds(updated - ((i % 48) + 1) * 3_600_000),
    }
  })
}

interface IssueSeed {
  readonly title: string
  readonly body: string | null
  readonly labels: readonly string[]
  readonly author: string
  readonly comments: number
  readonly createdAt: string
  readonly closedAt?: string | undefined
}

const HELLO_WORLD_ISSUES: readonly IssueSeed[] = [
  {
    title: 'Found a bug',
    body: "I'm having a problem with this.",
    labels: ['bug'],
    author: 'octocat',
    comments: 3,
    createdAt: '2024-11-02T08:15:00Z',
  },
  {
    title: 'Broken link in the README',
    body: 'The link to the guides gives a 404.',
    labels: ['documentation'],
    author: 'torvalds',
    comments: 1,
    createdAt: '2024-11-20T17:40:12Z',
    closedAt: '2024-11-21T09:02:44Z',
  },
  {
    title: 'Add a greeting in French',
    body: 'Bonjour le monde, perhaps?',
    labels: ['enhancement', 'good first issue'],
    author: 'octocat',
    comments: 0,
    createdAt: '2025-01-08T12:00:31Z',
  },
  {
    title: 'Typo in the description',
    body: null,
    labels: [],
    author: 'torvalds',
    comments: 2,
    createdAt: '2025-02-14T22:31:09Z',
    closedAt: '2025-02-15T06:11:00Z',
  },
  {
    title: 'Is this repository maintained?',
    body: 'Just wondering whether pull requests are read.',
    labels: ['question'],
    author: 'torvalds',
    comments: 5,
    createdAt: '2025-03-03T14:25:47Z',
  },
  {
    title: 'Support dark mode',
    body: 'The README hurts my eyes at night.',
    labels: ['enhancement'],
    author: 'octocat',
    comments: 0,
    createdAt: '2025-04-19T19:03:22Z',
  },
  {
    title: 'Hello from the API',
    body: 'Created through the REST API.',
    labels: [],
    author: 'octocat',
    comments: 1,
    createdAt: '2025-05-27T07:45:18Z',
  },
]

/** A stable numeric id for a string (labels have ids on GitHub). */
function idOf(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0)
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`${kind}${id}`).toString('base64')
}

const lower = (s: string) => s.toLowerCase()

/**
 * The replica's GitHub world: two users (octocat with 8 repositories, torvalds with 250), the
 * issues of octocat/Hello-World (5 open, 2 closed) and the issues created since. Renders
 * them in GitHub's JSON shapes, with API URLs on `api` (the replica's own base URL, so a
 * client can follow them) and web URLs on https://github.com.
 */
export class GithubStore {
  readonly #api: string
  readonly #repos: SeedRepo[]
  readonly #issues = new Map<string, StoredIssue[]>()
  #nextIssueId = 1_000_000_001

  /** Seeds the store; `api` is the base URL API links point at (no trailing slash). */
  constructor(api: string) {
    this.#api = api
    const seed = (owner: string) => (repo: RepoSeed) => ({ homepage: null, topics: [], ...repo, owner })
    this.#repos = [
      ...OCTOCAT_REPOS.map(seed('octocat')),
      ...TORVALDS_REAL.map(seed('torvalds')),
      ...generatedTorvaldsRepos(250 - TORVALDS_REAL.length).map(seed('torvalds')),
    ]
    for (const repo of this.#repos) this.#issues.set(this.#key(repo), [])
    const helloWorld = this.repo('octocat', 'Hello-World')
    if (helloWorld !== undefined) {
      const list = this.#issues.get(this.#key(helloWorld)) ?? []
      HELLO_WORLD_ISSUES.forEach((seedIssue, i) => {
        const createdAt = Date.parse(seedIssue.createdAt)
        const closedAt = seedIssue.closedAt === undefined ? null : Date.parse(seedIssue.closedAt)
        list.push({
          id: this.#nextIssueId++,
          number: i + 1,
          title: seedIssue.title,
          body: seedIssue.body,
          state: closedAt === null ? 'open' : 'closed',
          labels: seedIssue.labels,
          author: seedIssue.author,
          comments: seedIssue.comments,
          createdAt,
          updatedAt: closedAt ?? createdAt + seedIssue.comments * 3_600_000,
          closedAt,
        })
      })
    }
  }

  #key(repo: SeedRepo): string {
    return lower(`${repo.owner}/${repo.name}`)
  }

  /** A user by login (case-insensitive, as GitHub logins are). */
  user(login: string): SeedUser | undefined {
    return USERS.find((u) => lower(u.login) === lower(login))
  }

  /** Every seeded repository. */
  allRepos(): readonly SeedRepo[] {
    return this.#repos
  }

  /** The repositories a user owns. */
  reposOf(user: SeedUser): SeedRepo[] {
    return this.#repos.filter((r) => r.owner === user.login)
  }

  /** A repository by owner and name (case-insensitive). */
  repo(owner: string, name: string): SeedRepo | undefined {
    const key = lower(`${owner}/${name}`)
    return this.#repos.find((r) => this.#key(r) === key)
  }

  /** A repository's issues, oldest first (the live list: created issues are appended). */
  issues(repo: SeedRepo): readonly StoredIssue[] {
    return this.#issues.get(this.#key(repo)) ?? []
  }

  /** Opens an issue by `author` at `now` (epoch ms) and returns it; numbers keep increasing. */
  createIssue(repo: SeedRepo, input: NewIssue, author: string, now: number): StoredIssue {
    const list = this.#issues.get(this.#key(repo)) ?? []
    const issue: StoredIssue = {
      id: this.#nextIssueId++,
      number: list.reduce((max, i) => Math.max(max, i.number), 0) + 1,
      title: input.title,
      body: input.body,
      state: 'open',
      labels: input.labels,
      author,
      comments: 0,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
    }
    list.push(issue)
    this.#issues.set(this.#key(repo), list)
    return issue
  }

  /** The "simple user" shape (repository owners, issue authors). */
  simpleUser(user: SeedUser): Record<string, unknown> {
    const url = `${this.#api}/users/${user.login}`
    return {
      login: user.login,
      id: user.id,
      node_id: nodeId('04:User', user.id),
      avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
      gravatar_id: '',
      url,
      html_url: `https://github.com/${user.login}`,
      followers_url: `${url}/followers`,
      following_url: `${url}/following{/other_user}`,
      gists_url: `${url}/gists{/gist_id}`,
      starred_url: `${url}/starred{/owner}{/repo}`,
      subscriptions_url: `${url}/subscriptions`,
      organizations_url: `${url}/orgs`,
      repos_url: `${url}/repos`,
      events_url: `${url}/events{/privacy}`,
      received_events_url: `${url}/received_events`,
      type: 'User',
      user_view_type: 'public',
      site_admin: false,
    }
  }

  /** The public user profile (`GET /users/{username}`). */
  userJson(user: SeedUser): Record<string, unknown> {
    return {
      ...this.simpleUser(user),
      name: user.name,
      company: user.company,
      blog: user.blog,
      location: user.location,
      email: null,
      hireable: null,
      bio: user.bio,
      twitter_username: null,
      public_repos: this.reposOf(user).length,
      public_gists: user.publicGists,
      followers: user.followers,
      following: user.following,
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    }
  }

  #openIssues(repo: SeedRepo): number {
    return this.issues(repo).filter((i) => i.state === 'open').length
  }

  /**
   * A repository: the "minimal repository" shape of list and search results, or with `full`
   * the extra fields of `GET /repos/{owner}/{repo}`.
   */
  repoJson(repo: SeedRepo, full = false): Record<string, unknown> {
    const owner = this.user(repo.owner)
    const fullName = `${repo.owner}/${repo.name}`
    const url = `${this.#api}/repos/${fullName}`
    const openIssues = this.#openIssues(repo)
    const license = repo.license === null ? null : LICENSES[repo.license]
    const minimal: Record<string, unknown> = {
      id: repo.id,
      node_id: nodeId('010:Repository', repo.id),
      name: repo.name,
      full_name: fullName,
      private: false,
      owner: owner === undefined ? null : this.simpleUser(owner),
      html_url: `https://github.com/${fullName}`,
      description: repo.description,
      fork: false,
      url,
      forks_url: `${url}/forks`,
      keys_url: `${url}/keys{/key_id}`,
      collaborators_url: `${url}/collaborators{/collaborator}`,
      teams_url: `${url}/teams`,
      hooks_url: `${url}/hooks`,
      issue_events_url: `${url}/issues/events{/number}`,
      events_url: `${url}/events`,
      assignees_url: `${url}/assignees{/user}`,
      branches_url: `${url}/branches{/branch}`,
      tags_url: `${url}/tags`,
      blobs_url: `${url}/git/blobs{/sha}`,
      git_tags_url: `${url}/git/tags{/sha}`,
      git_refs_url: `${url}/git/refs{/sha}`,
      trees_url: `${url}/git/trees{/sha}`,
      statuses_url: `${url}/statuses/{sha}`,
      languages_url: `${url}/languages`,
      stargazers_url: `${url}/stargazers`,
      contributors_url: `${url}/contributors`,
      subscribers_url: `${url}/subscribers`,
      subscription_url: `${url}/subscription`,
      commits_url: `${url}/commits{/sha}`,
      git_commits_url: `${url}/git/commits{/sha}`,
      comments_url: `${url}/comments{/number}`,
      issue_comment_url: `${url}/issues/comments{/number}`,
      contents_url: `${url}/contents/{+path}`,
      compare_url: `${url}/compare/{base}...{head}`,
      merges_url: `${url}/merges`,
      archive_url: `${url}/{archive_format}{/ref}`,
      downloads_url: `${url}/downloads`,
      issues_url: `${url}/issues{/number}`,
      pulls_url: `${url}/pulls{/number}`,
      milestones_url: `${url}/milestones{/number}`,
      notifications_url: `${url}/notifications{?since,all,participating}`,
      labels_url: `${url}/labels{/name}`,
      releases_url: `${url}/releases{/id}`,
      deployments_url: `${url}/deployments`,
      created_at: repo.createdAt,
      updated_at: repo.updatedAt,
      pushed_at: repo.pushedAt,
      git_url: `git://github.com/${fullName}.git`,
      ssh_url: `git@github.com:${fullName}.git`,
      clone_url: `https://github.com/${fullName}.git`,
      svn_url: `https://github.com/${fullName}`,
      homepage: repo.homepage,
      size: repo.size,
      stargazers_count: repo.stars,
      watchers_count: repo.stars,
      language: repo.language,
      has_issues: true,
      has_projects: true,
      has_downloads: true,
      has_wiki: true,
      has_pages: repo.name.endsWith('.github.io'),
      has_discussions: false,
      forks_count: repo.forks,
      mirror_url: null,
      archived: false,
      disabled: false,
      open_issues_count: openIssues,
      license:
        license === null || repo.license === null
          ? null
          : {
              key: repo.license,
              name: license.name,
              spdx_id: license.spdx,
              url: `${this.#api}/licenses/${repo.license}`,
              node_id: license.nodeId,
            },
      allow_forking: true,
      is_template: false,
      web_commit_signoff_required: false,
      topics: repo.topics,
      visibility: 'public',
      forks: repo.forks,
      open_issues: openIssues,
      watchers: repo.stars,
      default_branch: 'main',
    }
    if (!full) return minimal
    return {
      ...minimal,
      temp_clone_token: null,
      network_count: repo.forks,
      subscribers_count: Math.max(1, Math.floor(repo.stars / 12)),
    }
  }

  /** A label object for a label name (GitHub's default colours for the default labels). */
  labelJson(repo: SeedRepo, name: string): Record<string, unknown> {
    const known = LABEL_COLORS[name]
    const id = idOf(`${repo.id}/${name}`)
    return {
      id,
      node_id: nodeId('010:Label', id),
      url: `${this.#api}/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
      name,
      color: known?.color ?? 'ededed',
      default: known !== undefined,
      description: known?.description ?? null,
    }
  }

  /** An issue in GitHub's shape. */
  issueJson(repo: SeedRepo, issue: StoredIssue): Record<string, unknown> {
    const repoUrl = `${this.#api}/repos/${repo.owner}/${repo.name}`
    const url = `${repoUrl}/issues/${issue.number}`
    const author = this.user(issue.author)
    return {
      url,
      repository_url: repoUrl,
      labels_url: `${url}/labels{/name}`,
      comments_url: `${url}/comments`,
      events_url: `${url}/events`,
      html_url: `https://github.com/${repo.owner}/${repo.name}/issues/${issue.number}`,
      id: issue.id,
      node_id: nodeId('05:Issue', issue.id),
      number: issue.number,
      title: issue.title,
      user: author === undefined ? null : this.simpleUser(author),
      labels: issue.labels.map((name) => this.labelJson(repo, name)),
      state: issue.state,
      locked: false,
      assignee: null,
      assignees: [],
      milestone: null,
      comments: issue.comments,
      created_at: isoSeconds(issue.createdAt),
      updated_at: isoSeconds(issue.updatedAt),
      closed_at: issue.closedAt === null ? null : isoSeconds(issue.closedAt),
      author_association: lower(issue.author) === lower(repo.owner) ? 'OWNER' : 'NONE',
      active_lock_reason: null,
      body: issue.body,
      closed_by: null,
      state_reason: issue.state === 'closed' ? 'completed' : null,
      timeline_url: `${url}/timeline`,
      performed_via_github_app: null,
    }
  }
}
