// `ply` as a user runs it: `node cli/ply.ts …` in a process of its own, for what only a real
// process shows (the exit code it sets, that it ends by itself once the work is done, Node
// options and module hooks given at start-up). One child at a time, each bounded only
// against a hang (see harness.ts); the commands' behaviour is tested in-process in
// main.test.ts.
import { readdir } from 'node:fs/promises'
import module from 'node:module'
import path from 'node:path'
import { afterAll, describe, it } from 'vitest'
import { startServer } from '../support/server.ts'
import { CLI_TEST_TIMEOUT_MS, Scratch } from './harness.ts'

const HIDE_SQLITE = path.resolve('test/cli/hide-sqlite.ts')

const scratch = new Scratch()
afterAll(() => scratch.close(), CLI_TEST_TIMEOUT_MS)

describe('the ply process', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('exits 0 with the data on stdout, and ends by itself', async ({ expect }) => {
    const api = await scratch.replica()
    const { code, stdout, stderr } = await scratch.child(['github', 'user', 'octocat', '--base-url', api.url])
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(JSON.parse(stdout).login).toBe('octocat')
  })

  it('gives up on a server that never answers after --retries 1 more attempt of --timeout 200 ms', async ({
    expect,
  }) => {
    const hanging = await startServer(() => undefined)
    scratch.add(() => hanging.close())
    const args = ['get', `${hanging.url}/x`, '--timeout', '200', '--retries', '1']
    const { code, stdout, stderr } = await scratch.child(args)
    // Exited by itself (a hang would be killed and end with no code), with the failure's code.
    expect(code).toBe(1)
    expect(stdout).toBe('')
    // The last line says it; a busy machine that fired a 200 ms timer a second late also tells
    // of the first attempt as it fails.
    expect(stderr).toMatch(
      /(^|\n)ply: GET http:\/\/127\.0\.0\.1:\d+\/x timed out after 2 attempts over \d+\.\d s \(200 ms per attempt\)\n$/,
    )
    expect(stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2)
    expect(hanging.requests).toHaveLength(2)
  })

  it('exits 2 for a usage error, with nothing on stdout', async ({ expect }) => {
    const { code, stdout, stderr } = await scratch.child(['get', 'http://127.0.0.1:1/', '--timeout', 'soon'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      "ply: --timeout must be a whole number of milliseconds from 1 to 2147483647; got 'soon' (run 'ply --help')\n",
    )
  })

  it('exits 3 when ply weather has no key', async ({ expect }) => {
    const { code, stderr } = await scratch.child(['weather', 'London'])
    expect(code).toBe(3)
    expect(stderr).toContain('ply weather needs an OpenWeatherMap API key')
  })

  // The child hides the packages with a synchronous resolve hook (Node ≥ 22.15).
  it.skipIf(typeof module.registerHooks !== 'function')(
    'keeps a persistent cache without @keyv/sqlite: a second run revalidates (node:sqlite)',
    async ({ expect }) => {
      const api = await scratch.replica()
      const dir = await scratch.dir()
      const env = { NODE_OPTIONS: `--import=${HIDE_SQLITE}` }
      const args = ['github', 'user', 'octocat', '--base-url', api.url]
      const first = await scratch.child(args, { dir, env })
      const second = await scratch.child([...args, '-v'], { dir, env })
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
      const api = await scratch.replica()
      const dir = await scratch.dir()
      const env = { NODE_OPTIONS: `--import=${HIDE_SQLITE}`, PLY_TEST_HIDE_NODE_SQLITE: '1' }
      const { code, stdout, stderr } = await scratch.child(['github', 'user', 'octocat', '--base-url', api.url], {
        dir,
        env,
      })
      expect(code).toBe(0)
      expect(JSON.parse(stdout).login).toBe('octocat')
      expect(stderr).toMatch(
        /^ply: no persistent cache: node:sqlite is not available in Node v[\d.]+ \(ERR_UNKNOWN_BUILTIN_MODULE\); use Node 22\.13 or later \(or set NODE_OPTIONS=--experimental-sqlite\) to keep responses between runs\n$/,
      )
      expect(await readdir(dir)).toEqual([])
    },
  )
})
