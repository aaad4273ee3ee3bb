/**
 * ply now against ply at an earlier commit (or two commits against each other), without the network: bare ply and the full stack
 * of each call an in-process `fetch` that answers at once (`Cache-Control: no-store`, a
 * distinct URL per call), and a cache hit (`parse()` and `cache()` on its memory store, asked
 * again for one URL stored with `max-age=3600`), in paired rounds whose order moves by one each
 * round. Prints CPU µs per call and the ratio now ÷ then with a 95% interval: how a change
 * moved ply's own cost.
 *
 *   npx node bench/compare.ts <then> [<now>] [--rounds 30] [--concurrency 16]
 *
 * `now` is the working tree unless a second commit is given. A commit is checked out into a
 * temporary git worktree (sharing this checkout's node_modules), removed at the end.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { median, medianInterval, runTurn } from './measure.ts'
import { payloadFetch } from './payload.ts'

type Src = typeof import('../src/index.ts')
type Mw = typeof import('../middleware/index.ts')

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '30' }, concurrency: { type: 'string', default: '16' } },
})
const [thenCommit, nowCommit] = positionals
if (thenCommit === undefined) {
  throw new Error('usage: npx node bench/compare.ts <then> [<now>] [--rounds N] [--concurrency N]')
}

const stubFetch = payloadFetch({ 'cache-control': 'no-store' })
const cachedFetch = payloadFetch({ 'cache-control': 'public, max-age=3600', etag: '"bench"' })
const baseUrl = 'http://127.0.0.1:9'
let n = 0

function calls(src: Src, mw: Mw): Record<'bare' | 'full' | 'hit', () => Promise<unknown>> {
  const bare = src.createClient({ baseUrl, fetch: stubFetch })
  const full = src
    .createClient({ baseUrl, fetch: stubFetch })
    .use(mw.parse())
    .use(mw.cache())
    .use(mw.dedupe())
    .use(mw.retry())
    .use(mw.rateLimit({ perSecond: 1_000_000, concurrency: 20_000 }))
    .use(mw.auth.bearer('bench-token'))
  const cached = src.createClient({ baseUrl, fetch: cachedFetch }).use(mw.parse()).use(mw.cache())
  return {
    bare: async () => (await bare.get('/json', { query: { i: n++ } })).data,
    full: async () => (await full.get('/json', { query: { i: n++ } })).data,
    hit: async () => (await cached.get('/cached')).data,
  }
}

const root = path.resolve(import.meta.dirname, '..')
const git = (...args: string[]) => execFileSync('git', ['-C', root, ...args], { stdio: 'pipe' })
const worktrees: string[] = []

/** ply's entry points at `commit`, checked out into a temporary worktree; the working tree's without one. */
async function plyAt(commit: string | undefined): Promise<[Src, Mw]> {
  if (commit === undefined) return [await import('../src/index.ts'), await import('../middleware/index.ts')]
  const worktree = mkdtempSync(path.join(tmpdir(), 'ply-compare-'))
  git('worktree', 'add', '--detach', worktree, commit)
  worktrees.push(worktree)
  symlinkSync(path.join(root, 'node_modules'), path.join(worktree, 'node_modules'))
  return [
    (await import(path.join(worktree, 'src/index.ts'))) as Src,
    (await import(path.join(worktree, 'middleware/index.ts'))) as Mw,
  ]
}

try {
  const then = calls(...(await plyAt(thenCommit)))
  const now = calls(...(await plyAt(nowCommit)))
  const clients: [string, () => Promise<unknown>][] = [
    ['bare then', then.bare],
    ['bare now', now.bare],
    ['full then', then.full],
    ['full now', now.full],
    ['hit then', then.hit],
    ['hit now', now.hit],
  ]
  const concurrency = Number(values.concurrency)
  const micros = new Map<string, number[]>(clients.map(([name]) => [name, []]))
  for (const [, call] of clients) await runTurn(call, concurrency, 1000) // warm-up
  const rounds = Number(values.rounds)
  for (let round = 0; round < rounds; round++) {
    const shift = round % clients.length
    for (const [name, call] of [...clients.slice(shift), ...clients.slice(0, shift)]) {
      micros.get(name)?.push((await runTurn(call, concurrency, 200)).cpuMicros)
    }
  }
  const nowName = nowCommit ?? 'the working tree'
  console.log(`${thenCommit} (then) against ${nowName} (now), concurrency ${concurrency}, ${rounds} rounds`)
  for (const stack of ['bare', 'full', 'hit']) {
    const before = micros.get(`${stack} then`) ?? []
    const after = micros.get(`${stack} now`) ?? []
    const ratios = after.map((value, round) => value / (before[round] ?? Number.NaN))
    const [low, high] = medianInterval(ratios)
    console.log(
      `${stack}: then ${median(before).toFixed(1)} µs, now ${median(after).toFixed(1)} µs CPU per call; now ÷ then ${median(ratios).toFixed(3)} (95% CI ${low.toFixed(3)}–${high.toFixed(3)})`,
    )
  }
} finally {
  for (const worktree of worktrees) {
    git('worktree', 'remove', '--force', worktree)
    rmSync(worktree, { recursive: true, force: true })
  }
}
