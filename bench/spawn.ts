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
