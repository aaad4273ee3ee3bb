import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { type Replica, startReplica } from '../../examples/replica/index.ts'
import { github } from '../../presets/index.ts'
import { startScript } from '../support/child.ts'
import { describeWithRedis, redisCommand } from '../support/redis.ts'

const worker = fileURLToPath(new URL('../support/github-cache-worker.ts', import.meta.url))

// `redis` in a preset: the rate limiter and the cache live in Redis, so two clients (two
// processes, here two instances) with the same id share both.
const TOKEN = 'ghp_replica_token'
let replica: Replica

beforeEach(async () => {
  replica = await startReplica()
})
afterEach(() => replica.close())

describeWithRedis('github({ redis })', (url) => {
  it('shares the cache between clients, keeps no token in Redis, and closes its connections', async () => {
    const id = `github-test-${randomBytes(4).toString('hex')}`
    const options = { token: TOKEN, baseUrl: replica.url, userAgent: 'ply-tests', redis: { url, id } }
    const first = github(options)
    const second = github(options)
    try {
      expect((await first.getRepo('octocat', 'Hello-World')).cacheStatus).toBe('miss')
      const shared = await second.getRepo('octocat', 'Hello-World')
      expect(shared.cacheStatus).toBe('hit')
      expect(shared.data.full_name).toBe('octocat/Hello-World')
      expect(replica.requests.filter((seen) => seen.path === '/repos/octocat/Hello-World')).toHaveLength(1)

      const keys = await redisCommand(url, `KEYS ply:${id}:*`)
      expect(keys).toContain(`ply:${id}:cache:`)
      const dump = await redisCommand(url, `KEYS *${TOKEN}*`)
      expect(dump).toBe('*0\r\n')
    } finally {
      await first.close()
      await second.close()
    }
  })

  it('shares the cache of authenticated calls between processes that share the scope key, and only then', async () => {
    const once = async (id: string, scopeKey?: string) => {
      const args = [url, id, replica.url, ...(scopeKey ? [scopeKey] : [])]
      const { code, stdout, stderr } = await startScript(worker, args, 15_000).exited
      expect(stderr).toBe('')
      expect(code).toBe(0)
      return stdout.trim()
    }
    const key = randomBytes(32).toString('base64url')
    const withKey = `github-test-${randomBytes(4).toString('hex')}`
    expect([await once(withKey, key), await once(withKey, key)]).toEqual(['miss', 'hit'])
    // Without a shared key each process hashes the token with its own random key.
    const withoutKey = `github-test-${randomBytes(4).toString('hex')}`
    expect([await once(withoutKey), await once(withoutKey)]).toEqual(['miss', 'miss'])
  }, 30_000)

  it('refuses a redis option with neither or both of url and client', () => {
    expect(() => github({ redis: { id: 'x' } })).toThrow(/exactly one of url and client/)
  })
})
