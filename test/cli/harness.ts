// What the CLI tests share: `ply` run in-process through `main()` (most tests: no process to
// start, so a busy machine cannot time them out) or as a real child process (exit codes, the
// entry point, what needs a fresh process), each with a fresh cache directory and an
// environment without the developer's credentials or proxy.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { main } from '../../cli/main.ts'
import { type Replica, type ReplicaOptions, startReplica } from '../../examples/replica/index.ts'
import { startScript } from '../support/child.ts'

/** How a run of `ply` ended. */
export interface PlyRun {
  /** The exit code; `null` when a child had to be killed (it hung). */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Options of one run. */
export interface RunOptions {
  /** The cache directory (`PLY_CACHE_DIR`); a fresh one by default. */
  readonly dir?: string
  /** Variables on top of the cleaned environment. */
  readonly env?: Record<string, string>
}

/**
 * A child is killed after this long. Only a hang gets near it: a `ply` run takes well under a
 * second on an idle machine, and a few seconds on one whose cores are all busy.
 */
export const CHILD_LIMIT_MS = 90_000
/** The timeout of a CLI test: room for a few children at `CHILD_LIMIT_MS`, so that only a hang fails one. */
export const CLI_TEST_TIMEOUT_MS = 240_000

const CLI = 'cli/ply.ts'

// The variables a developer's shell may hold that would change what `ply` does.
const LEFT_OUT = [
  'GITHUB_TOKEN',
  'OPENWEATHER_API_KEY',
  'PLY_CACHE_DIR',
  'NODE_OPTIONS',
  'NODE_USE_ENV_PROXY',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
]

/** What a test file starts, and stops in `afterAll`. */
export class Scratch {
  readonly #cleanup: (() => Promise<void>)[] = []

  /** A replica of both APIs on 127.0.0.1, closed at the end. */
  async replica(options?: ReplicaOptions): Promise<Replica> {
    const started = await startReplica(options)
    this.#cleanup.push(() => started.close())
    return started
  }

  /** A fresh, empty directory, removed at the end. */
  async dir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'ply-cli-'))
    this.#cleanup.push(() => rm(dir, { recursive: true, force: true }))
    return dir
  }

  /** Registers something else to stop at the end. */
  add(step: () => Promise<void>): void {
    this.#cleanup.push(step)
  }

  /** Stops everything started. */
  async close(): Promise<void> {
    await Promise.all(this.#cleanup.splice(0).map((step) => step()))
  }

  /** Runs `ply` in this process through `main()`, with its own streams and environment. */
  async main(args: readonly string[], options: RunOptions = {}): Promise<PlyRun> {
    const stdout = new Collected()
    const stderr = new Collected()
    const env = await this.#env(options)
    const code = await main(args, { stdout, stderr, env })
    return { code, stdout: stdout.text, stderr: stderr.text }
  }

  /** Runs `node cli/ply.ts …` as a child process, killed only if it hangs. */
  async child(args: readonly string[], options: RunOptions = {}): Promise<PlyRun> {
    const { code, stdout, stderr } = await startScript(CLI, args, CHILD_LIMIT_MS, await this.#env(options)).exited
    return { code, stdout, stderr }
  }

  async #env(options: RunOptions): Promise<NodeJS.ProcessEnv> {
    const env: NodeJS.ProcessEnv = { ...process.env }
    for (const name of LEFT_OUT) delete env[name]
    return { ...env, PLY_CACHE_DIR: options.dir ?? (await this.dir()), ...options.env }
  }
}

/** A stream that keeps what is written to it, as `ply` writes to stdout or stderr. */
class Collected {
  readonly #chunks: Uint8Array[] = []
  readonly #encoder = new TextEncoder()

  write(chunk: string | Uint8Array): boolean {
    this.#chunks.push(typeof chunk === 'string' ? this.#encoder.encode(chunk) : chunk)
    return true
  }

  get text(): string {
    return Buffer.concat(this.#chunks).toString('utf8')
  }
}
