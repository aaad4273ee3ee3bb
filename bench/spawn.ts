import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

/** The loopback server running in its child process. */
export interface BenchServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  /** Closes the child's stdin, which makes it exit, and waits for that. */
  stop(): Promise<void>
}

const serverScript = fileURLToPath(new URL('./server.ts', import.meta.url))

/**
 * Starts `bench/server.ts` in a child process on this same Node (`process.execPath`, so the
 * npm-pinned Node 24 and its type stripping) and resolves once it has printed its port.
 */
export async function startServer(): Promise<BenchServer> {
  const child = spawn(process.execPath, [serverScript], { stdio: ['pipe', 'pipe', 'inherit'] })
  try {
    const port = await readPort(child)
    return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) }
  } catch (error) {
    await stopChild(child)
    throw error
  }
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.setEncoding('utf8')
    child.stdout?.on('data', (chunk: string) => {
      output += chunk
      const line = output.split('\n', 2)
      if (line.length < 2) return
      const port = Number(line[0])
      if (Number.isInteger(port) && port > 0) resolve(port)
      else reject(new Error(`the bench server printed '${line[0]}' instead of its port`))
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`the bench server exited (code ${code}) before printing its port`)))
  })
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.stdin?.end()
  await exited
}

/** How to run a child script with `runScript`. */
export interface ScriptOptions {
  /** Node flags before the script (`--expose-gc`). */
  readonly execArgv?: readonly string[]
  /** The child is killed, and the run fails, after this long. */
  readonly timeoutMs: number
}

/**
 * Runs `script` in a child process on this same Node and resolves to what it printed on
 * stdout once it exits with code 0 (its stderr goes to ours). The child's stdin stays open
 * while it runs: a script that calls `exitWithParent()` exits when this process does, even
 * when this one is killed, so no child is left behind.
 */
export async function runScript(script: URL, args: readonly string[], options: ScriptOptions): Promise<string> {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), fileURLToPath(script), ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout?.setEncoding('utf8')
  child.stdout?.on('data', (chunk: string) => {
    output += chunk
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
    if (code !== 0) {
      const how = signal === 'SIGKILL' ? `was killed after ${options.timeoutMs / 1000} s` : `exited (${signal ?? code})`
      throw new Error(`${fileURLToPath(script)} ${args.join(' ')} ${how}`)
    }
    return output
  } finally {
    clearTimeout(timer)
    child.stdin?.destroy()
  }
}

/** Makes this process exit when its parent closes our stdin, or exits (see `runScript`). */
export function exitWithParent(): void {
  process.stdin.on('close', () => process.exit(1))
  process.stdin.on('end', () => process.exit(1))
  process.stdin.resume()
}
