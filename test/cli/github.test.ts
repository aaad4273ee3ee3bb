// `ply github` run in-process through `main()`, with injected streams and environment,
// against the replica on loopback. One at a time: a run sets process-wide state (the
// credential scope key of its cache directory, the registered secrets), and nothing here
// depends on how fast the machine is. What needs a real process is in cli.test.ts.
import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { CLI_TEST_TIMEOUT_MS, Scratch } from './harness.ts'

const GH_TOKEN = 'ghp_replica_token'

const scratch = new Scratch()
afterAll(() => scratch.close(), CLI_TEST_TIMEOUT_MS)

describe('ply github', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('prints a user as pretty JSON, and a second run revalidates from the disk cache (304)', async ({ expect }) => {
    const api = await scratch.replica()
    const dir = await scratch.dir()
    const first = await scratch.main(['github', 'user', 'octocat', '--base-url', api.url], { dir })
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(JSON.parse(first.stdout).login).toBe('octocat')
    expect(first.stdout).toMatch(/^\{\n {2}"login": "octocat",/)

    const second = await scratch.main(['github', 'user', 'octocat', '--base-url', api.url, '--verbose'], { dir })
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
    const api = await scratch.replica()
    const dir = await scratch.dir()
    const env = { GITHUB_TOKEN: GH_TOKEN }
    const args = ['github', 'user', 'torvalds', '--base-url', api.url, '-v']
    const first = await scratch.main(args, { dir, env })
    const second = await scratch.main(args, { dir, env })
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stderr).toContain('cache revalidated')
    const calls = api.requests.filter((request) => request.path === '/users/torvalds')
    expect(calls.map((call) => call.headers.authorization)).toEqual([`Bearer ${GH_TOKEN}`, `Bearer ${GH_TOKEN}`])
    expect(calls[1]?.status).toBe(304)
    expect(first.stderr + first.stdout + second.stderr).not.toContain(GH_TOKEN)
  })

  it('walks every page with --all, with a progress line on stderr', async ({ expect }) => {
    const api = await scratch.replica()
    const { code, stdout, stderr } = await scratch.main(['github', 'repos', 'torvalds', '--all', '--base-url', api.url])
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
    const api = await scratch.replica()
    const first = await scratch.main(['github', 'repos', 'torvalds', '--base-url', api.url, '--raw'])
    const limited = await scratch.main(['github', 'repos', 'torvalds', '--limit', '120', '--base-url', api.url])
    expect(first.code).toBe(0)
    expect(first.stdout).not.toContain('\n')
    expect(JSON.parse(first.stdout)).toHaveLength(30)
    expect(first.stderr).toBe('')
    expect(limited.code).toBe(0)
    expect(JSON.parse(limited.stdout)).toHaveLength(120)
    expect(limited.stderr).toContain('fetched 120 repos (page 2)…')
  })

  it('searches with --sort and --order', async ({ expect }) => {
    const api = await scratch.replica()
    const args = ['github', 'search', 'language:c', '--sort', 'stars', '--order', 'desc', '--base-url', api.url]
    const { code, stdout } = await scratch.main(args)
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('total_count')
    const search = api.requests.find((request) => request.path === '/search/repositories')
    expect(new URLSearchParams(search?.query)).toEqual(
      new URLSearchParams({ q: 'language:c', sort: 'stars', order: 'desc' }),
    )
  })

  it("exits 1 with GitHub's message for an unknown user", async ({ expect }) => {
    const api = await scratch.replica()
    const { code, stdout, stderr } = await scratch.main(['github', 'user', 'nobody', '--base-url', api.url])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toMatch(/^ply: GitHub: HTTP 404 Not Found .*\n$/)
    // One attempt that got an answer: nothing to say about attempts.
    expect(stderr).not.toContain('attempt')
  })

  it('exits 3 for a bad token without printing it', async ({ expect }) => {
    const api = await scratch.replica()
    const args = ['github', 'user', 'octocat', '--token', 'ghp_wrong', '-v', '--base-url', api.url]
    const { code, stdout, stderr } = await scratch.main(args)
    expect(code).toBe(3)
    expect(stderr).toContain('Bad credentials')
    expect(stdout + stderr).not.toContain('ghp_wrong')
  })

  it('exits 4 when the quota is spent, saying when it resets', async ({ expect }) => {
    const api = await scratch.replica()
    api.github.setQuota(undefined, { remaining: 0, resetAt: Date.now() + 3_600_000 })
    const { code, stderr } = await scratch.main(['github', 'user', 'octocat', '--base-url', api.url])
    expect(code).toBe(4)
    expect(stderr).toMatch(/^ply: .*rate limit.*\d{4}-\d\d-\d\dT.*try again in (59|60|61) minutes\n$/i)
  })

  it('tells of a rate-limit wait longer than a second as it starts, without --verbose', async ({ expect }) => {
    // One request per window for anonymous callers, the window opening at the first request
    // and lasting 4 s: the second page waits 3 to 4 s from when the first page was answered,
    // however long the run took to get there.
    const limits = { github: { anonymousLimit: 1, windowSeconds: 4 } }
    const args = ['github', 'repos', 'torvalds', '--limit', '150', '--base-url']
    const quiet = await scratch.main([...args, (await scratch.replica(limits)).url])
    expect(quiet.code).toBe(0)
    expect(JSON.parse(quiet.stdout)).toHaveLength(150)
    expect(quiet.stderr).toMatch(/^ply: waiting \d\.\d s for the rate limit \(server\)$/m)
    expect(quiet.stderr).not.toContain('→')

    const verbose = await scratch.main([...args, (await scratch.replica(limits)).url, '-v'])
    expect(verbose.code).toBe(0)
    expect(verbose.stderr).toMatch(
      /page=2 → 200 \(cache miss, 1 attempt, \d+ ms, [1-9]\d* ms of it waiting for the rate limit\)\n/,
    )
  })
})
