// How long `tsc` takes on a consumer project that types GitHub calls: through ply's GitHub
// preset, through createClient<GitHubPaths>(), and through Octokit's own types
// (@octokit/types' Endpoints, as @octokit/request types a route), against an untyped ply
// client as the floor. ply is built into a temporary folder first and used as a package
// (dist/ and its .d.ts), as an application would; each consumer is type-checked `ROUNDS`
// times with TypeScript 7's tsc, and the table gives the fastest and the median run, with the
// compiler's own count of types and instantiations (which do not depend on the machine's load).
//
//   node bench/compile-time.ts [rounds]
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const ROUNDS = Number(process.argv[2] ?? 5)

const CONSUMERS: Record<string, string> = {
  'ply, untyped client (floor)': `
import { createClient } from 'ply-http'
const api = createClient({ baseUrl: 'https://api.github.com' })
export const calls = () => [api.get<{ id: number }>('/repos/{owner}/{repo}', { params: { owner: 'o', repo: 'r' } })]
`,
  'ply, github() preset': `
import { github } from 'ply-http/presets'
const gh = github({ token: 't' })
export async function calls() {
  const repo = await gh.request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' })
  const issue = await gh.request('POST /repos/{owner}/{repo}/issues', { owner: 'o', repo: 'r', title: 't' })
  const found = await gh.request('GET /search/repositories', { q: 'ply', sort: 'stars' })
  return [repo.data.stargazers_count, issue.data.number, found.data.total_count]
}
`,
  'ply, createClient<GitHubPaths>()': `
import { createClient } from 'ply-http'
import type { GitHubPaths } from 'ply-http/presets'
const gh = createClient<GitHubPaths>({ baseUrl: 'https://api.github.com' })
export async function calls() {
  const repo = await gh.get('/repos/{owner}/{repo}', { params: { owner: 'o', repo: 'r' } })
  const issue = await gh.request('POST /repos/{owner}/{repo}/issues', { params: { owner: 'o', repo: 'r' }, json: { title: 't' } })
  const found = await gh.get('/search/repositories', { query: { q: 'ply', sort: 'stars' } })
  return [repo.data.stargazers_count, issue.data.number, found.data.total_count]
}
`,
  "Octokit's types (@octokit/types Endpoints)": `
import type { Endpoints } from '@octokit/types'
declare function request<R extends keyof Endpoints>(route: R, params: Endpoints[R]['parameters']): Promise<Endpoints[R]['response']>
export async function calls() {
  const repo = await request('GET /repos/{owner}/{repo}', { owner: 'o', repo: 'r' })
  const issue = await request('POST /repos/{owner}/{repo}/issues', { owner: 'o', repo: 'r', title: 't' })
  const found = await request('GET /search/repositories', { q: 'ply', sort: 'stars' })
  return [repo.data.stargazers_count, issue.data.number, found.data.total_count]
}
`,
}

const TSCONFIG = {
  compilerOptions: {
    target: 'es2023',
    lib: ['es2023', 'esnext.disposable', 'dom', 'dom.iterable'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
  files: ['index.ts'],
}

const work = mkdtempSync(join(tmpdir(), 'ply-compile-time-'))
try {
  const built = join(work, 'ply-http')
  mkdirSync(built)
  execFileSync(process.execPath, [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(built, 'dist')], {
    stdio: 'inherit',
  })
  symlinkSync(join(ROOT, 'package.json'), join(built, 'package.json'))
  symlinkSync(join(ROOT, 'node_modules'), join(built, 'node_modules'), 'dir')
  const rows: string[][] = []
  for (const [name, source] of Object.entries(CONSUMERS)) {
    const project = join(work, `consumer-${rows.length}`)
    mkdirSync(join(project, 'node_modules/@octokit'), { recursive: true })
    symlinkSync(built, join(project, 'node_modules/ply-http'), 'dir')
    for (const pkg of ['openapi-types', 'types']) {
      symlinkSync(join(ROOT, 'node_modules/@octokit', pkg), join(project, 'node_modules/@octokit', pkg), 'dir')
    }
    writeFileSync(join(project, 'index.ts'), source)
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG))
    const times: number[] = []
    let diagnostics = ''
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now()
      diagnostics = execFileSync(process.execPath, [TSC, '-p', project, '--extendedDiagnostics'], { encoding: 'utf8' })
      times.push(performance.now() - started)
    }
    times.sort((a, b) => a - b)
    const count = (label: string) => new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(diagnostics)?.[1] ?? '?'
    const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`
    rows.push([
      name,
      seconds(times[0]),
      seconds(times[Math.floor(times.length / 2)]),
      count('Types'),
      count('Instantiations'),
    ])
  }
  const header = ['consumer', 'fastest', 'median', 'types', 'instantiations']
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => ' --- ').join('|')}|`)
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
