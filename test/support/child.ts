import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'

/** How a script ended: its exit code, its whole output, and how long it ran. */
export interface ScriptExit {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

/** A running script, its output so far, and a promise of how it ended. */
export interface RunningScript {
  child: ChildProcessWithoutNullStreams
  /** Output so far; `onStdout` hears every chunk. */
  readonly stdout: string
  onStdout(listener: (stdout: string) => void): void
  exited: Promise<ScriptExit>
}

/**
 * Runs a TypeScript script under this Node (which runs `.ts` directly), collecting its output.
 * It is killed after `limitMs`, so a script that would hang fails its test instead. `env`
 * replaces the child's environment (default: this process's).
 */
export function startScript(
  script: string,
  args: readonly string[],
  limitMs: number,
  env?: NodeJS.ProcessEnv | undefined,
): RunningScript {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...(env ? { env } : {}) })
  let stdout = ''
  let stderr = ''
  const listeners: ((stdout: string) => void)[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    for (const listener of listeners) listener(stdout)
  })
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const started = performance.now()
  const exited = new Promise<ScriptExit>((resolve) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), limitMs)
    // 'close', not 'exit': only then has all of the child's output been read.
    child.on('close', (code) => {
      clearTimeout(guard)
      resolve({ code, stdout, stderr, ms: performance.now() - started })
    })
  })
  return {
    child,
    get stdout() {
      return stdout
    },
    onStdout: (listener) => listeners.push(listener),
    exited,
  }
}
