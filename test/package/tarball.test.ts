// The package as a user gets it: `npm pack` (which builds through `prepack`), installed into a
// fresh project from the registry. One pack and one install serve every assertion; the
// timeouts only catch a hang (the installs need the npm registry).
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeWithRedis } from '../support/redis.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const HANG_MS = 300_000
const scripts = fileURLToPath(new URL('./scripts/', import.meta.url))

interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a command to its end (never rejects); npm's own variables of the outer run are left out. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)))
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { cwd, env: { ...inherited, ...env }, timeout: HANG_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
        resolve({ code, stdout, stderr })
      },
    )
  })
}

/** Runs a script of `scripts/` in the fresh project with this Node (24), expecting one JSON line. */
async function runScript(project: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  await cp(scripts, project, { recursive: true })
  const result = await run(process.execPath, [name], project, env)
  expect(result.stderr).toBe('')
  expect(result.code).toBe(0)
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '')
}

/**
 * Copies what `npm pack` builds from (the sources tsconfig.build.json includes, the files the
 * package lists, the configs) into `stage`, so that `prepack` rebuilds dist/ there and not in
 * the working tree, where other runs may be reading it.
 */
async function stagePackage(stage: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { files: string[] }
  const build = JSON.parse(await readFile(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] }
  const entries = new Set([
    'package.json',
    'tsconfig.json',
    'tsconfig.build.json',
    ...build.include,
    ...manifest.files.filter((file) => !file.startsWith('dist/') && file !== 'dist'),
  ])
  await mkdir(stage)
  for (const entry of entries) await cp(join(root, entry), join(stage, entry), { recursive: true })
  await symlink(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir')
}

let work: string
let project: string
let installed: Run

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'ply-tarball-'))
  const stage = join(work, 'package')
  await stagePackage(stage)
  const packed = await run('npm', ['pack', '--json', '--pack-destination', work], stage)
  expect(packed.stderr).not.toMatch(/npm error/)
  expect(packed.code).toBe(0)
  const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [{ filename: string }]
  project = join(work, 'project')
  await mkdir(project)
  expect((await run('npm', ['init', '-y'], project)).code).toBe(0)
  const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as Record<string, unknown>
  await writeFile(join(project, 'package.json'), JSON.stringify({ ...manifest, type: 'module' }, null, 2))
  installed = await run('npm', ['install', '--no-audit', '--no-fund', join(work, filename)], project)
}, HANG_MS * 2)

afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true })
})

describe('the packed tarball, installed in a fresh project', () => {
  it('installs without ioredis (the optional peer of ply-http/redis), and brings no bottleneck', () => {
    expect(installed.stderr).not.toMatch(/npm error/)
    expect(installed.code).toBe(0)
    expect(existsSync(join(project, 'node_modules/ply-http/dist/redis/index.js'))).toBe(true)
    expect(existsSync(join(project, 'node_modules/ioredis'))).toBe(false)
    expect(existsSync(join(project, 'node_modules/bottleneck'))).toBe(false)
  })

  it('ships a LICENSE and no TypeScript sources, and its source maps carry the sources they map', async () => {
    const installedPackage = join(project, 'node_modules/ply-http')
    const files = (await readdir(installedPackage, { recursive: true })).map((file) => file.replaceAll('\\', '/'))
    expect(files).toContain('LICENSE')
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([])
    const maps = files.filter((file) => file.endsWith('.js.map'))
    expect(maps.length).toBeGreaterThan(10)
    for (const file of maps) {
      const map = JSON.parse(await readFile(join(installedPackage, file), 'utf8')) as {
        sources: string[]
        sourcesContent?: (string | null)[]
      }
      // A map that only names src/*.ts would point at files the tarball does not have.
      expect(map.sourcesContent?.length, file).toBe(map.sources.length)
      expect(
        map.sourcesContent?.every((content) => typeof content === 'string' && content.length > 0),
        file,
      ).toBe(true)
    }
  })

  it("declares a Node range no narrower than its dependencies' own, and where it comes from", async () => {
    const manifestOf = async (dir: string) =>
      JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        engines?: { node?: string }
        dependencies?: Record<string, string>
        repository?: unknown
        keywords?: unknown
        license?: unknown
      }
    const own = await manifestOf(join(project, 'node_modules/ply-http'))
    expect(own.license).toBe('MIT')
    expect(own.repository).toBeDefined()
    expect(own.keywords).toEqual(expect.arrayContaining(['http', 'rest']))
    const floor = (range: string | undefined): number[] =>
      (/>=?\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range ?? '')?.slice(1) ?? []).map((part) => Number(part ?? 0))
    const atLeast = (a: number[], b: number[]) => {
      for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
      return true
    }
    const ours = floor(own.engines?.node)
    expect(ours.length).toBe(3)
    for (const name of Object.keys(own.dependencies ?? {})) {
      const theirs = (await manifestOf(join(project, 'node_modules', name))).engines?.node
      if (theirs === undefined || floor(theirs).length === 0) continue
      expect(atLeast(ours, floor(theirs)), `${name} needs Node ${theirs}; ply-http says ${own.engines?.node}`).toBe(
        true,
      )
    }
  })

  it('ply-http, ply-http/middleware and ply-http/presets load and run without trying to load any Redis module', async () => {
    const report = (await runScript(project, 'no-redis.mjs')) as Record<string, unknown>
    expect(report).toEqual({
      // Every module resolved while the three entries load and a stack with rateLimit, cache
      // and a preset runs: none is a Redis client or a Keyv Redis adapter (nor bottleneck, once a peer).
      redisModulesTried: [],
      status: 200,
      presetsBuilt: true,
      kitLoaded: true,
    })
  })

  it("ply-http/redis imports without its peers, and its factory's ConfigError names what to install", async () => {
    const report = (await runScript(project, 'redis-entry.mjs')) as Record<string, unknown>
    expect(report.redisModulesTriedByImport).toEqual([])
    expect(report.name).toBe('ConfigError')
    expect(report.isConfigError).toBe(true)
    expect(report.message).toContain('ioredis')
    expect(report.message).toContain('(npm install ioredis)')
  })
})

describe('the stable Keyv line (keyv 5, @keyv/redis 5) next to ply-http', () => {
  let added: Run
  beforeAll(async () => {
    added = await run('npm', ['install', '--no-audit', '--no-fund', 'keyv@5', '@keyv/redis@5'], project)
  }, HANG_MS)

  it('installs without ERESOLVE', () => {
    expect(added.stderr).not.toMatch(/ERESOLVE|npm error/)
    expect(added.code).toBe(0)
  })

  /** Type-checks `file` of test/package/scripts in the fresh project, as a consumer's strict tsconfig would. */
  async function typeCheck(file: string): Promise<{ output: string; code: number | null }> {
    await cp(scripts, project, { recursive: true })
    const config = {
      compilerOptions: {
        target: 'es2023',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        strict: true,
        exactOptionalPropertyTypes: true,
        noEmit: true,
        skipLibCheck: true,
        lib: ['es2023', 'dom'],
        types: [],
      },
      files: [file],
    }
    const name = `tsconfig.${file.replace(/\.ts$/, '')}.json`
    await writeFile(join(project, name), JSON.stringify(config, null, 2))
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    const checked = await run(process.execPath, [tsc, '-p', name], project)
    return { output: checked.stdout + checked.stderr, code: checked.code }
  }

  it('type-checks cache({ store: new Keyv(…) }) and a preset with it against the packed types', async () => {
    expect(await typeCheck('keyv5-types.ts')).toEqual({ output: '', code: 0 })
  })

  it('type-checks a consumer of ply-http/kit and of the events and facts the middlewares declare', async () => {
    expect(await typeCheck('consumer-types.ts')).toEqual({ output: '', code: 0 })
  })

  describeWithRedis('against a real Redis', (redisUrl) => {
    it('cache({ store: new Keyv({ store: new KeyvRedis(url) }) }) serves a second GET from Redis', async () => {
      const report = await runScript(project, 'keyv5-redis.mjs', { REDIS_URL: redisUrl })
      // The second GET runs in a new client with a new Keyv: only Redis can have answered it.
      expect(report).toEqual({ keyvMajor: 5, first: 'miss', second: 'hit', requests: 1, data: { n: 1 } })
    })
  })
})
