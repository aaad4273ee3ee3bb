import { createConnection } from 'node:net'
import { describe } from 'vitest'

/** The Redis that `.ci/run` started (or one you started), as `redis://127.0.0.1:<port>`. */
export const redisUrl: string | undefined = process.env.REDIS_URL

/**
 * `describe` for suites that need a real Redis. Without `REDIS_URL` they are skipped with a
 * visible message, except under `CI`, where a missing Redis is a failure, not a skip.
 */
export function describeWithRedis(name: string, suite: (url: string) => void): void {
  if (redisUrl) {
    describe(name, () => suite(redisUrl))
    return
  }
  if (process.env.CI) {
    describe(name, () => {
      throw new Error('REDIS_URL is not set, and CI needs the Redis suites to run (see .ci/run)')
    })
    return
  }
  console.warn(`[skipped] ${name}: set REDIS_URL (for example redis://127.0.0.1:6379) to run it`)
  describe.skip(name, () => suite(''))
}

/** Sends one inline Redis command over a plain socket and resolves to the raw reply, whole. */
export function redisCommand(url: string, command: string): Promise<string> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379) }, () => {
      socket.write(`${command}\r\n`)
    })
    socket.setTimeout(10_000, () => socket.destroy(new Error('Redis did not answer within 10 s')))
    let reply = Buffer.alloc(0)
    // A long reply (CLIENT LIST with many clients) arrives in several chunks.
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk])
      if (replyEnd(reply, 0) === undefined) return
      socket.end()
      resolve(reply.toString())
    })
    socket.once('error', reject)
  })
}

/** Where the RESP reply that starts at byte `at` ends, or undefined while it is incomplete. */
function replyEnd(bytes: Buffer, at: number): number | undefined {
  const lineEnd = bytes.indexOf('\r\n', at)
  if (lineEnd === -1) return undefined
  const type = bytes.subarray(at, at + 1).toString()
  const size = Number(bytes.subarray(at + 1, lineEnd).toString())
  if ((type !== '$' && type !== '*') || size < 0) return lineEnd + 2
  if (type === '$') return bytes.length >= lineEnd + 4 + size ? lineEnd + 4 + size : undefined
  let next: number | undefined = lineEnd + 2
  for (let i = 0; i < size && next !== undefined; i++) next = replyEnd(bytes, next)
  return next
}
