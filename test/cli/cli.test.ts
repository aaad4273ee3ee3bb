import { existsSync } from 'node:fs'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import module from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { watch } from '../../cli/commands/context.ts'
import { Log } from '../../cli/log.ts'
import { type Replica, startReplica } from '../../examples/replica/index.ts'
import { rateLimit } from '../../middleware/index.ts'
import { createClient } from '../../src/index.ts'
import { type ScriptExit, startScript } from '../support/child.ts'

const CLI = 'cli/ply.ts'
const OWM_KEY = 'owm_replica_key'
const GH_TOKEN = 'ghp_replica_token'
const HIDE_SQLITE = path.resolve('test/cli/hide-sqlite.ts')

const cleanup: (() => Promise<void>)[] = []
afterAll(async () => {
  await Promise.all(cleanup.map((step) => step()))
})

async function replica(): Promise<Replica> {
  const started = await startReplica()
  cleanup.push(() => started.close())
  return started
}

async function cacheDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ply-cli-'))
  cleanup.push(() => rm(dir, { recursive: true, force: true }))
  return dir
}

interface RunOptions {
  /** The cache directory (`PLY_CACHE_DIR`); a fresh one by default. */
  dir?: string
  /** Variables on top of the cleaned environment. */
  env?: Record<string, string>
}

/** Runs `ply` with a fresh cache directory and no GitHub token or OpenWeatherMap key in the environment. */
async function ply(args: readonly string[], options: RunOptions = {}): Promise<ScriptExit> {
  const {
    GITHUB_TOKEN: _token,
    OPENWEATHER_API_KEY: _key,
    PLY_CACHE_DIR: _dir,
    NODE_OPTIONS: _node,
    ...env
  } = process.env
  const dir = options.dir ?? (await cacheDir())
  return startScript(CLI, args, 8_000, { ...env, PLY_CACHE_DIR: dir, ...options.env }).exited
}

describe.concurrent('ply github', () => {
  it('prints a user as pretty JSON, and a second run revalidates from the disk cache (304)', async ({ expect }) => {
    const api = await replica()
    const dir = await cacheDir()
    const first = await ply(['github', 'user', 'octocat', '--base-url', api.url], { dir })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout).login).toBe('octocat')
    expect(first.stdout).toMatch(/^\{\n {2}"login": "octocat",/)

    const second = await ply(['github', 'user', 'octocat', '--base-url', api.url, '--verbose'], { dir })
    expect(second.code).toBe(0)
    expect(second.stdout).toBe(first.stdout)
    expect(second.stderr).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/users\/octocat → 200 \(cache revalidated, 1 attempt, \d+ ms\)/,
    )
    const calls = api.requests.filter((request) => request.path === '/users/octocat')
    expect(calls).toHaveLength(2)
    expect(calls[0]?.headers['if-none-match']).toBeUndefined()
    expect(calls[0]?.headers['user-agent']).toBe('ply-cli')
    expect(calls[1]?.headers['if-none-match']).toMatch(/^W\/"/)
    expect(calls[1]?.status).toBe(304)

    expect(await readdir(dir)).toEqual(expect.arrayContaining(['cache.sqlite', 'scope.key']))
    if (process.platform !== 'win32') {
      expect((await stat(path.join(dir, 'scope.key'))).mode & 0o777).toBe(0o600)
      expect((await stat(dir)).mode & 0o777).toBe(0o700)
    }
  })

  it('finds the entries of an earlier run made with the same token (the scope key is kept)', async ({ expect }) => {
    const api = await replica()
    const dir = await cacheDir()
    const env = { GITHUB_TOKEN: GH_TOKEN }
    const args = ['github', 'user', 'torvalds', '--base-url', api.url, '-v']
    const first = await ply(args, { dir, env })
    const second = await ply(args, { dir, env })
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stderr).toContain('cache revalidated')
    const calls = api.requests.filter((request) => request.path === '/users/torvalds')
    expect(calls.map((call) => call.headers.authorization)).toEqual([`Bearer ${GH_TOKEN}`, `Bearer ${GH_TOKEN}`])
    expect(calls[1]?.status).toBe(304)
    expect(first.stderr + first.stdout + second.stderr).not.toContain(GH_TOKEN)
  })

  it('walks every page with --all, with a progress line on stderr', async ({ expect }) => {
    const api = await replica()
    const { code, stdout, stderr } = await ply(['github', 'repos', 'torvalds', '--all', '--base-url', api.url])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveLength(250)
    expect(stderr.split('\n')).toEqual([
      'fetched 100 repos (page 1)…',
      'fetched 200 repos (page 2)…',
      'fetched 250 repos (page 3)…',
      '',
    ])
  })

  it('lists the first page of 30 by default, and caps with --limit', async ({ expect }) => {
    const api = await replica()
    const [first, limited] = await Promise.all([
      ply(['github', 'repos', 'torvalds', '--base-url', api.url, '--raw']),
      ply(['github', 'repos', 'torvalds', '--limit', '120', '--base-url', api.url]),
    ])
    expect(first.code).toBe(0)
    expect(first.stdout).not.toContain('\n')
    expect(JSON.parse(first.stdout)).toHaveLength(30)
    expect(first.stderr).toBe('')
    expect(limited.code).toBe(0)
    expect(JSON.parse(limited.stdout)).toHaveLength(120)
    expect(limited.stderr).toContain('fetched 120 repos (page 2)…')
  })

  it('searches with --sort and --order', async ({ expect }) => {
    const api = await replica()
    const args = ['github', 'search', 'language:c', '--sort', 'stars', '--order', 'desc', '--base-url', api.url]
    const { code, stdout } = await ply(args)
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('total_count')
    const search = api.requests.find((request) => request.path === '/search/repositories')
    expect(new URLSearchParams(search?.query)).toEqual(
      new URLSearchParams({ q: 'language:c', sort: 'stars', order: 'desc' }),
    )
  })

  it("exits 1 with GitHub's message for an unknown user", async ({ expect }) => {
    const api = await replica()
    const { code, stdout, stderr } = await ply(['github', 'user', 'nobody', '--base-url', api.url])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^ply: GitHub: HTTP 404 Not Found .*\n$/)
  })

  it('exits 3 for a bad token without printing it', async ({ expect }) => {
    const api = await replica()
    const { code, stdout, stderr } = await ply([
      'github',
      'user',
      'octocat',
      '--token',
      'ghp_wrong',
      '-v',
      '--base-url',
      api.url,
    ])
    expect(code).toBe(3)
    expect(stderr).toContain('Bad credentials')
    expect(stdout + stderr).not.toContain('ghp_wrong')
  })

  it('exits 4 when the quota is spent, saying when it resets', async ({ expect }) => {
    const api = await replica()
    const resetAt = Date.now() + 3_600_000
    api.github.setQuota(undefined, { remaining: 0, resetAt })
    const { code, stderr } = await ply(['github', 'user', 'octocat', '--base-url', api.url])
    expect(code).toBe(4)
    expect(stderr).toMatch(/^ply: .*rate limit.*\d{4}-\d\d-\d\dT.*try again in (59|60|61) minutes\n$/i)
  })
  it('tells of a rate-limit wait with --verbose, and how long the call waited', async ({ expect }) => {
    const api = await replica()
    // One request left, resetting in a few seconds (after the child has started, also on a busy
    // machine): the second page waits for the reset.
    api.github.setQuota(undefined, { remaining: 1, resetAt: Date.now() + 3_000 })
    const { code, stderr } = await ply(['github', 'repos', 'torvalds', '--limit', '150', '--base-url', api.url, '-v'])
    expect(code).toBe(0)
    const wait = /^ply: waiting (\d+) ms for the rate limit \(server\)$/m.exec(stderr)
    expect(Number(wait?.[1])).toBeGreaterThan(0)
    expect(stderr).toMatch(
      /page=2 → 200 \(cache miss, 1 attempt, \d+ ms, [1-9]\d* ms of it waiting for the rate limit\)\n/,
    )
  })
})

describe.concurrent('ply weather', () => {
  it('exits 3 without a key, says how to set one, and creates nothing on disk', async ({ expect }) => {
    const dir = path.join(await cacheDir(), 'not-yet')
    const { code, stdout, stderr } = await ply(['weather', 'London'], { dir })
    expect(code).toBe(3)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'ply: ply weather needs an OpenWeatherMap API key: set OPENWEATHER_API_KEY or pass --api-key (get one at https://home.openweathermap.org/api_keys)\n',
    )
    expect(existsSync(dir)).toBe(false)
  })

  it('prints the weather with --api-key, and never the key, also with --verbose', async ({ expect }) => {
    const api = await replica()
    const args = ['weather', 'London,GB', '--units', 'metric', '--api-key', OWM_KEY, '--base-url', api.url, '--verbose']
    const { code, stdout, stderr } = await ply(args)
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ name: 'London', cod: 200 })
    expect(stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/data\/2\.5\/weather\?.*→ 200/)
    expect(stdout + stderr).not.toContain(OWM_KEY)
    const call = api.requests.find((request) => request.path === '/data/2.5/weather')
    expect(new URLSearchParams(call?.query).get('units')).toBe('metric')
  })

  it('serves a repeat within 10 minutes from the disk cache: the replica sees one request', async ({ expect }) => {
    const api = await replica()
    const dir = await cacheDir()
    const args = ['weather', 'London', '--api-key', OWM_KEY, '--base-url', api.url, '-v']
    const first = await ply(args, { dir })
    const second = await ply(args, { dir })
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stdout).toBe(first.stdout)
    expect(first.stderr).toContain('(cache miss, 1 attempt')
    expect(second.stderr).toMatch(/\/data\/2\.5\/weather\?.* → 200 \(cache hit, 0 attempts, \d+ ms\)\n$/)
    expect(api.requests.filter((request) => request.path === '/data/2.5/weather')).toHaveLength(1)
  })

  it('reads the key from OPENWEATHER_API_KEY, coordinates and --forecast', async ({ expect }) => {
    const api = await replica()
    const args = ['weather', '-33.87,151.21', '--forecast', '--base-url', api.url, '-v']
    const { code, stdout, stderr } = await ply(args, { env: { OPENWEATHER_API_KEY: OWM_KEY } })
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('list')
    expect(stdout + stderr).not.toContain(OWM_KEY)
    const call = api.requests.find((request) => request.path === '/data/2.5/forecast')
    const query = new URLSearchParams(call?.query)
    expect([query.get('lat'), query.get('lon')]).toEqual(['-33.87', '151.21'])
  })

  it('exits 1 for an unknown city, and 3 for a rejected key, never printing the key', async ({ expect }) => {
    const api = await replica()
    const [unknown, rejected] = await Promise.all([
      ply(['weather', 'Nowhereville', '--api-key', OWM_KEY, '--base-url', api.url, '--verbose']),
      ply(['weather', 'London', '--base-url', api.url, '-v'], { env: { OPENWEATHER_API_KEY: 'owm_wrong_key' } }),
    ])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('city not found')
    expect(unknown.stdout + unknown.stderr).not.toContain(OWM_KEY)
    expect(rejected.code).toBe(3)
    expect(rejected.stdout + rejected.stderr).not.toContain('owm_wrong_key')
  })
})

describe.concurrent('ply get', () => {
  it('sends headers and a bearer token, and prints the raw body as the server sent it', async ({ expect }) => {
    const api = await replica()
    const url = `${api.url}/users/octocat`
    const args = [url, '--header', 'X-Test: 1', '--bearer', GH_TOKEN, '--raw', '-v']
    const { code, stdout, stderr } = await ply(['get', ...args])
    expect(code).toBe(0)
    const seen = api.requests.find((request) => request.headers['x-test'] !== undefined)
    expect(seen?.headers['x-test']).toBe('1')
    expect(seen?.headers.authorization).toBe(`Bearer ${GH_TOKEN}`)
    const direct = await fetch(url, { headers: { authorization: `Bearer ${GH_TOKEN}`, 'user-agent': 'test' } })
    expect(stdout).toBe(await direct.text())
    expect(stderr).not.toContain(GH_TOKEN)
  })

  it('tells of each retry and each call with --verbose, from the client events', async ({ expect }) => {
    const api = await replica()
    api.failNext(1, { status: 503, pathPrefix: '/users/' })
    const { code, stderr } = await ply(['get', `${api.url}/users/octocat`, '--no-cache', '--verbose'])
    expect(code).toBe(0)
    expect(stderr).toMatch(/^ply: attempt 1 failed \(HTTP 503\); retrying in \d+ ms\n/)
    expect(stderr).toMatch(
      /ply: GET http:\/\/127\.0\.0\.1:\d+\/users\/octocat → 200 \(cache bypass, 2 attempts, \d+ ms\)\n$/,
    )
  })

  it('POSTs --json, and refuses JSON that does not parse with exit 2', async ({ expect }) => {
    const api = await replica()
    const [bad, posted] = await Promise.all([
      ply(['get', `${api.url}/gists`, '--json', '{"description":']),
      ply(['get', `${api.url}/echo`, '--json', '{"a":1}', '--bearer', GH_TOKEN]),
    ])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe("ply: --json is not valid JSON (run 'ply --help')\n")
    const post = api.requests.find((request) => request.path === '/echo')
    expect(post?.method).toBe('POST')
    expect(post?.headers['content-type']).toMatch(/^application\/json/)
    expect(posted.stdout + posted.stderr).not.toContain(GH_TOKEN)
  })
})

describe.concurrent('the command line', () => {
  it('prints the usage for --help and exits 0', async ({ expect }) => {
    const { code, stdout, stderr } = await ply(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^ply: REST API clients/)
    for (const command of ['ply github user', 'ply github repos', 'ply github search', 'ply weather', 'ply get']) {
      expect(stdout).toContain(command)
    }
    expect(stderr).toBe('')
  })

  it('prints the version', async ({ expect }) => {
    const { code, stdout } = await ply(['--version'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/)
  })

  it('exits 2 for usage errors, with a hint', async ({ expect }) => {
    const runs = await Promise.all([
      ply(['frobnicate']),
      ply(['github', 'user']),
      ply(['github', 'user', 'octocat', '--forecast']),
      ply(['github', 'repos', 'octocat', '--limit', 'many']),
      ply(['weather', '--api-key', OWM_KEY, 'zip:']),
      ply(['--tokn=ghp_secret_value', 'github', 'user', 'octocat']),
    ])
    for (const { code, stderr } of runs) {
      expect(code).toBe(2)
      expect(stderr).toMatch(/^ply: .*\(run 'ply --help'\)\n$/)
    }
    expect(runs[0]?.stderr).toContain("unknown command 'frobnicate'")
    expect(runs[5]?.stderr).not.toContain('ghp_secret_value')
  })

  it('keeps nothing on disk with --no-cache', async ({ expect }) => {
    const api = await replica()
    const dir = await cacheDir()
    const args = ['github', 'user', 'octocat', '--no-cache', '--base-url', api.url]
    const runs = [await ply(args, { dir }), await ply(args, { dir })]
    expect(runs.map((run) => run.code)).toEqual([0, 0])
    expect(await readdir(dir)).toEqual([])
    expect(api.requests.map((request) => request.status)).toEqual([200, 200])
  })

  // The child hides the packages with a synchronous resolve hook (Node ≥ 22.15).
  it.skipIf(typeof module.registerHooks !== 'function')(
    'keeps a persistent cache without @keyv/sqlite: a second run revalidates (node:sqlite)',
    async ({ expect }) => {
      const api = await replica()
      const dir = await cacheDir()
      const env = { NODE_OPTIONS: `--import=${HIDE_SQLITE}` }
      const args = ['github', 'user', 'octocat', '--base-url', api.url]
      const first = await ply(args, { dir, env })
      const second = await ply([...args, '-v'], { dir, env })
      expect([first.code, second.code]).toEqual([0, 0])
      expect(first.stderr).toBe('')
      expect(JSON.parse(first.stdout).login).toBe('octocat')
      expect(second.stdout).toBe(first.stdout)
      expect(second.stderr).toContain('(cache revalidated, 1 attempt')
      const calls = api.requests.filter((request) => request.path === '/users/octocat')
      expect(calls.map((call) => [call.headers['if-none-match'] !== undefined, call.status])).toEqual([
        [false, 200],
        [true, 304],
      ])
    },
  )

  it.skipIf(typeof module.registerHooks !== 'function')(
    'works without node:sqlite (Node 22 before 22.13), with one note saying what it needs',
    async ({ expect }) => {
      const api = await replica()
      const dir = await cacheDir()
      const env = { NODE_OPTIONS: `--import=${HIDE_SQLITE}`, PLY_TEST_HIDE_NODE_SQLITE: '1' }
      const { code, stdout, stderr } = await ply(['github', 'user', 'octocat', '--base-url', api.url], { dir, env })
      expect(code).toBe(0)
      expect(JSON.parse(stdout).login).toBe('octocat')
      expect(stderr).toMatch(
        /^ply: no persistent cache: node:sqlite is not available in Node v[\d.]+ \(ERR_UNKNOWN_BUILTIN_MODULE\); use Node 22\.13 or later \(or set NODE_OPTIONS=--experimental-sqlite\) to keep responses between runs\n$/,
      )
      expect(await readdir(dir)).toEqual([])
    },
  )
})

describe('the --verbose lines', () => {
  it('say a call waits for a free slot, not "0 ms", and how long it waited once it settles', async ({ expect }) => {
    const lines: string[] = []
    const log = new Log({ write: (chunk) => lines.push(String(chunk)) > 0 }, true)
    const client = createClient({
      baseUrl: 'http://ply.test',
      fetch: async () => {
        await new Promise((resolve) => setTimeout(resolve, 60))
        return new Response('{}', { headers: { 'content-type': 'application/json' } })
      },
    }).use(rateLimit({ concurrency: 1 }))
    watch(client, log)
    await Promise.all([client.request('GET', '/a'), client.request('GET', '/b')])
    expect(lines[0]).toBe('ply: waiting for a free slot for the rate limit (concurrency)\n')
    expect(lines.join('')).not.toContain('waiting 0 ms')
    expect(lines[1]).toMatch(/^ply: GET http:\/\/ply\.test\/a → 200 \(cache bypass, 1 attempt, \d+ ms\)\n$/)
    const waited =
      /^ply: GET http:\/\/ply\.test\/b → 200 \(cache bypass, 1 attempt, \d+ ms, (\d+) ms of it waiting for the rate limit\)\n$/.exec(
        lines[2] ?? '',
      )
    expect(Number(waited?.[1])).toBeGreaterThanOrEqual(40)
  })
})
