// The `ply` command's wall time per run, against the replica on loopback, with a fresh disk
// cache: the first run fetches (200), the later ones revalidate (304). Run after `npm run build`:
//   node bench/cli.ts [runs]
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startReplica } from '../examples/replica/index.ts'

const run = promisify(execFile)
const runs = Number(process.argv[2] ?? 5)
const cli = new URL('../dist/cli/ply.js', import.meta.url).pathname
const replica = await startReplica()
const dir = await mkdtemp(join(tmpdir(), 'ply-cli-bench-'))
try {
  const env = { ...process.env, PLY_CACHE_DIR: dir }
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    await run(process.execPath, [cli, 'github', 'user', 'octocat', '--base-url', replica.url], { env })
    times.push(performance.now() - started)
  }
  const statuses = replica.requests.map((seen) => seen.status).join(' ')
  console.log(`ply github user octocat: ${times.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}`)
  console.log(`replica answered: ${statuses}`)
} finally {
  await replica.close()
  await rm(dir, { recursive: true, force: true })
}
