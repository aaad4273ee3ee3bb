// `ply weather`, `ply get` and the command line run in-process through `main()`, with
// injected streams and environment, against the replica on loopback (`ply github` is in
// github.test.ts). One at a time: a run sets process-wide state (the credential scope key of
// its cache directory, the registered secrets), and nothing here depends on how fast the
// machine is. What needs a real process is in cli.test.ts.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { CLI_TEST_TIMEOUT_MS, Scratch } from './harness.ts'

const OWM_KEY = 'owm_replica_key'
const GH_TOKEN = 'ghp_replica_token'
/** How long an attempt took, as the lines say it: `45 ms`, or `1.2 s` on a busy machine. */
const TOOK = String.raw`(\d+ ms|\d+\.\d s)`

const scratch = new Scratch()
afterAll(() => scratch.close(), CLI_TEST_TIMEOUT_MS)

describe('ply weather', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('exits 3 without a key, says how to set one, and creates nothing on disk', async ({ expect }) => {
    const dir = path.join(await scratch.dir(), 'not-yet')
    const { code, stdout, stderr } = await scratch.main(['weather', 'London'], { dir })
    expect(code).toBe(3)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      'ply: ply weather needs an OpenWeatherMap API key: set OPENWEATHER_API_KEY or pass --api-key (get one at https://home.openweathermap.org/api_keys)\n',
    )
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('prints the weather with --api-key, and never the key, also with --verbose', async ({ expect }) => {
    const api = await scratch.replica()
    const args = ['weather', 'London,GB', '--units', 'metric', '--api-key', OWM_KEY, '--base-url', api.url, '--verbose']
    const { code, stdout, stderr } = await scratch.main(args)
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ name: 'London', cod: 200 })
    expect(stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/data\/2\.5\/weather\?.*→ 200/)
    expect(stdout + stderr).not.toContain(OWM_KEY)
    const call = api.requests.find((request) => request.path === '/data/2.5/weather')
    expect(new URLSearchParams(call?.query).get('units')).toBe('metric')
  })

  it('serves a repeat within 10 minutes from the disk cache: the replica sees one request', async ({ expect }) => {
    const api = await scratch.replica()
    const dir = await scratch.dir()
    const args = ['weather', 'London', '--api-key', OWM_KEY, '--base-url', api.url, '-v']
    const first = await scratch.main(args, { dir })
    const second = await scratch.main(args, { dir })
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stdout).toBe(first.stdout)
    expect(first.stderr).toContain('(cache miss, 1 attempt')
    expect(second.stderr).toMatch(/\/data\/2\.5\/weather\?.* → 200 \(cache hit, 0 attempts, \d+ ms\)\n$/)
    expect(api.requests.filter((request) => request.path === '/data/2.5/weather')).toHaveLength(1)
  })

  it('reads the key from OPENWEATHER_API_KEY, coordinates and --forecast', async ({ expect }) => {
    const api = await scratch.replica()
    const args = ['weather', '-33.87,151.21', '--forecast', '--base-url', api.url, '-v']
    const { code, stdout, stderr } = await scratch.main(args, { env: { OPENWEATHER_API_KEY: OWM_KEY } })
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toHaveProperty('list')
    expect(stdout + stderr).not.toContain(OWM_KEY)
    const call = api.requests.find((request) => request.path === '/data/2.5/forecast')
    const query = new URLSearchParams(call?.query)
    expect([query.get('lat'), query.get('lon')]).toEqual(['-33.87', '151.21'])
  })

  it('exits 1 for an unknown city, and 3 for a rejected key, never printing the key', async ({ expect }) => {
    const api = await scratch.replica()
    const unknown = await scratch.main(['weather', 'Nowhereville', '--api-key', OWM_KEY, '--base-url', api.url, '-v'])
    const rejected = await scratch.main(['weather', 'London', '--base-url', api.url, '-v'], {
      env: { OPENWEATHER_API_KEY: 'owm_wrong_key' },
    })
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('city not found')
    expect(unknown.stdout + unknown.stderr).not.toContain(OWM_KEY)
    expect(rejected.code).toBe(3)
    expect(rejected.stdout + rejected.stderr).not.toContain('owm_wrong_key')
  })
})

describe('ply get', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('sends headers and a bearer token, and prints the raw body as the server sent it', async ({ expect }) => {
    const api = await scratch.replica()
    const url = `${api.url}/users/octocat`
    const { code, stdout, stderr } = await scratch.main([
      'get',
      url,
      '--header',
      'X-Test: 1',
      '--bearer',
      GH_TOKEN,
      '--raw',
      '-v',
    ])
    expect(code).toBe(0)
    const seen = api.requests.find((request) => request.headers['x-test'] !== undefined)
    expect(seen?.headers['x-test']).toBe('1')
    expect(seen?.headers.authorization).toBe(`Bearer ${GH_TOKEN}`)
    const direct = await fetch(url, { headers: { authorization: `Bearer ${GH_TOKEN}`, 'user-agent': 'test' } })
    expect(stdout).toBe(await direct.text())
    expect(stderr).not.toContain(GH_TOKEN)
  })

  it('binds --bearer to the origin of the URL it calls, a path under --base-url included', async ({ expect }) => {
    const [api, other] = [await scratch.replica(), await scratch.replica()]
    const bearer = ['--bearer', GH_TOKEN]
    const underBase = await scratch.main(['get', '/users/octocat', '--base-url', api.url, ...bearer])
    const absolute = await scratch.main(['get', `${api.url}/users/octocat`, '--base-url', other.url, ...bearer])
    expect([underBase.code, absolute.code]).toEqual([0, 0])
    const signed = api.requests.filter((request) => request.path === '/users/octocat')
    expect(signed.map((request) => request.headers.authorization)).toEqual([`Bearer ${GH_TOKEN}`, `Bearer ${GH_TOKEN}`])
    expect(other.requests).toEqual([])
  })

  it('tells of each retry and each call with --verbose, from the client events', async ({ expect }) => {
    const api = await scratch.replica()
    api.failNext(1, { status: 503, pathPrefix: '/users/' })
    const { code, stderr } = await scratch.main(['get', `${api.url}/users/octocat`, '--no-cache', '--verbose'])
    expect(code).toBe(0)
    expect(stderr).toMatch(new RegExp(`^ply: attempt 1 of 3 failed with HTTP 503 after ${TOOK}; retrying in \\d+ ms\n`))
    expect(stderr).toMatch(
      /ply: GET http:\/\/127\.0\.0\.1:\d+\/users\/octocat → 200 \(cache bypass, 2 attempts, \d+ ms\)\n$/,
    )
  })

  it('tells of a wait longer than a second without --verbose, as it starts', async ({ expect }) => {
    const api = await scratch.replica()
    // The server asks for 2 s. (That quick retries are quiet is shown in calls.test.ts, with a
    // clock of its own: here it would depend on how fast the machine is.)
    api.failNext(1, { status: 503, retryAfter: 2, pathPrefix: '/users/' })
    const { code, stderr } = await scratch.main(['get', `${api.url}/users/octocat`, '--no-cache'])
    expect(code).toBe(0)
    expect(stderr).toMatch(new RegExp(`^ply: attempt 1 of 3 failed with HTTP 503 after ${TOOK}; retrying in 2\\.0 s\n`))
    expect(stderr).not.toContain('→')
  })

  it('POSTs --json, and refuses JSON that does not parse with exit 2', async ({ expect }) => {
    const api = await scratch.replica()
    const bad = await scratch.main(['get', `${api.url}/gists`, '--json', '{"description":'])
    const posted = await scratch.main(['get', `${api.url}/echo`, '--json', '{"a":1}', '--bearer', GH_TOKEN])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe("ply: --json is not valid JSON (run 'ply --help')\n")
    const post = api.requests.find((request) => request.path === '/echo')
    expect(post?.method).toBe('POST')
    expect(post?.headers['content-type']).toMatch(/^application\/json/)
    expect(posted.stdout + posted.stderr).not.toContain(GH_TOKEN)
  })
})

describe('the command line', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('prints the usage for --help and exits 0', async ({ expect }) => {
    const { code, stdout, stderr } = await scratch.main(['--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^ply: REST API clients/)
    for (const text of ['ply github user', 'ply github repos', 'ply weather', 'ply get', '--timeout', '--retries']) {
      expect(stdout).toContain(text)
    }
    expect(stderr).toBe('')
  })

  it('prints the version', async ({ expect }) => {
    const { code, stdout } = await scratch.main(['--version'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/)
  })

  it('exits 2 for usage errors, with a hint', async ({ expect }) => {
    const cases: [args: string[], says: string][] = [
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['github', 'user'], "'ply github user' needs <name>"],
      [['github', 'user', 'octocat', '--forecast'], "'ply github user' does not take --forecast"],
      [['github', 'repos', 'octocat', '--limit', 'many'], "--limit must be a whole number of at least 1; got 'many'"],
      [['weather', '--api-key', OWM_KEY, 'zip:'], ''],
      [['--tokn=ghp_secret_value', 'github', 'user', 'octocat'], "unknown option '--tokn'"],
      [
        ['get', 'http://127.0.0.1:1/', '--timeout', '10s'],
        "--timeout must be a whole number of milliseconds from 1 to 2147483647; got '10s'",
      ],
      [['github', 'user', 'octocat', '--timeout', '0'], '--timeout must be a whole number of milliseconds from 1'],
      [['weather', 'London', '--retries', '-1'], "--retries must be a whole number from 0 to 100; got '-1'"],
      [['get', 'http://127.0.0.1:1/', '--retries', '1.5'], "--retries must be a whole number from 0 to 100; got '1.5'"],
      [['get', 'http://127.0.0.1:1/', '--retries'], "option '--retries' needs a value"],
    ]
    for (const [args, says] of cases) {
      const { code, stdout, stderr } = await scratch.main(args)
      expect({ args, code }).toEqual({ args, code: 2 })
      expect(stdout).toBe('')
      expect(stderr).toMatch(/^ply: .*\(run 'ply --help'\)\n$/)
      expect(stderr).toContain(says)
      expect(stderr).not.toContain('ghp_secret_value')
    }
  })

  it('takes --timeout and --retries in every command', async ({ expect }) => {
    const api = await scratch.replica()
    const runs = [
      ['github', 'user', 'octocat', '--base-url', api.url],
      ['weather', 'London', '--api-key', OWM_KEY, '--base-url', api.url],
      ['get', `${api.url}/users/octocat`],
    ]
    for (const args of runs) {
      // With no retry, one 503 is the answer.
      api.failNext(1, { status: 503 })
      const once = await scratch.main([...args, '--retries', '0', '--timeout', '30000', '--no-cache'])
      expect({ args, code: once.code }).toEqual({ args, code: 1 })
      expect(once.stderr).toContain('HTTP 503')
      api.failNext(1, { status: 503 })
      const retried = await scratch.main([...args, '--retries', '1', '--no-cache'])
      expect({ args, code: retried.code }).toEqual({ args, code: 0 })
    }
    expect(api.requests.filter((request) => request.status === 503)).toHaveLength(6)
  })

  it('keeps nothing on disk with --no-cache', async ({ expect }) => {
    const api = await scratch.replica()
    const dir = await scratch.dir()
    const args = ['github', 'user', 'octocat', '--no-cache', '--base-url', api.url]
    const runs = [await scratch.main(args, { dir }), await scratch.main(args, { dir })]
    expect(runs.map((run) => run.code)).toEqual([0, 0])
    expect(await readdir(dir)).toEqual([])
    expect(api.requests.map((request) => request.status)).toEqual([200, 200])
  })
})
