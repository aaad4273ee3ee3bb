import { createHash, randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Replica, startReplica } from '../../examples/replica/index.ts'
import { cache } from '../../middleware/index.ts'
import { github, openWeatherMap } from '../../presets/index.ts'
import { redisConnection } from '../../redis/index.ts'
import { ConfigError, createClient } from '../../src/index.ts'
import { startScript } from '../support/child.ts'
import { describeWithRedis, redisCommand } from '../support/redis.ts'

const worker = fileURLToPath(new URL('../support/github-cache-worker.ts', import.meta.url))

// `redis: redisConnection(…)` in a preset: the rate limiter and the cache live in Redis, so two
// clients (two processes, here two instances) with the same id share both.
const TOKEN = 'ghp_replica_token'
let replica: Replica

beforeEach(async () => {
  replica = await startReplica()
})
afterEach(() => replica.close())

describeWithRedis('github({ redis })', (url) => {
  it('shares the cache between clients, keeps no token in Redis, and closes its connections', async () => {
    const id = `github-test-${randomBytes(4).toString('hex')}`
    const options = { token: TOKEN, baseUrl: replica.url, userAgent: 'ply-tests', redis: redisConnection({ url, id }) }
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

  it("without an id of its own, keeps the limits and the cache under the preset's default id (no token in it)", async () => {
    const gh = github({ token: TOKEN, baseUrl: replica.url, userAgent: 'ply-tests', redis: redisConnection(url) })
    const host = new URL(replica.url).host
    try {
      expect((await gh.getRepo('octocat', 'Hello-World')).status).toBe(200)
      await gh.close()
      // The id earlier versions gave it (so a deployment keeps its keys): a SHA-256 tag of the token.
      const tag = createHash('sha256').update(TOKEN).digest('base64url').slice(0, 16)
      const keys = await redisCommand(url, `KEYS ply:github:${host}:*`)
      expect(keys).toContain(`ply:github:${host}:${tag}:cache:`)
      expect(keys).not.toContain(TOKEN)
    } finally {
      await gh.close()
      await redisCommand(
        url,
        `EVAL "for _,p in ipairs(ARGV) do for _,k in ipairs(redis.call('keys', p)) do redis.call('del', k) end end return 1" 0 ply:github:${host}:* b_ply:github:${host}:*`,
      )
    }
  })

  it('redisConnection().cacheStore() is a Keyv for cache({ store }) whose disconnect() closes its connection', async () => {
    const id = `github-test-${randomBytes(4).toString('hex')}`
    const store = redisConnection({ url, id }).cacheStore()
    const layer = cache({ store })
    const client = createClient({ baseUrl: replica.url, headers: { 'user-agent': 'ply-tests' } }).use(layer)
    try {
      expect((await client.get('/repos/octocat/Hello-World')).cacheStatus).toBe('miss')
      await layer.flush()
      expect(await redisCommand(url, `KEYS ply:${id}:cache:*`)).not.toBe('*0\r\n')
    } finally {
      await store.disconnect()
    }
  })
})

describe('a preset without a Redis connection', () => {
  it.each([
    ['a URL', 'redis://127.0.0.1:6379', "redisConnection('redis://…')"],
    ['options', { url: 'redis://127.0.0.1:6379', id: 'x' }, 'redisConnection({ url | client, id? })'],
  ])('refuses %s as the redis option, naming the factory to import', (_name, redis, example) => {
    for (const make of [
      () => github({ redis: redis as never }),
      () => openWeatherMap({ apiKey: 'k', redis: redis as never }),
    ]) {
      expect(make).toThrow(ConfigError)
      expect(make).toThrow("import { redisConnection } from 'ply-http/redis'")
      expect(make).toThrow(example)
    }
  })
})
