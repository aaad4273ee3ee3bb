import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisCommand } from './redis.ts'

/** A redis-server of a test's own, which the test may stop and start again (empty) at will. */
export interface PrivateRedis {
  readonly url: string
  /** Starts it (again, with no data: nothing is saved or loaded) and resolves once it answers. */
  start(): Promise<void>
  /** Stops it at once (SIGKILL, as a crash or a failover would) and resolves once it is gone. */
  stop(): Promise<void>
  /** Stops it if it runs and removes its directory. */
  close(): Promise<void>
}

/** A port nothing listens on now, chosen by the OS. */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/**
 * Prepares a redis-server on a free port, in a directory of its own, without persistence, so
 * that each `start()` begins empty. Nothing runs before `start()`.
 */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'ply-redis-'))
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const answers = async (): Promise<boolean> =>
    redisCommand(url, 'PING').then(
      (reply) => reply.startsWith('+PONG'),
      () => false,
    )

  const stop = async (): Promise<void> => {
    child?.kill('SIGKILL')
    await exited
    child = undefined
  }
  return {
    url,
    async start() {
      await stop()
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
      const started = spawn('redis-server', args, { stdio: 'ignore' })
      child = started
      let failed: Error | undefined
      exited = new Promise((resolve) => {
        started.once('exit', () => resolve())
        // Not installed: no process, so no 'exit' either.
        started.once('error', (error) => {
          failed = error
          resolve()
        })
      })
      // Bounded: a server that never answers fails the test instead of hanging it.
      for (let i = 0; i < 500; i++) {
        if (failed !== undefined) throw new Error(`redis-server could not be started: ${failed.message}`)
        if (await answers()) return
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      throw new Error(`redis-server on port ${port} did not answer within 10 s`)
    },
    stop,
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
