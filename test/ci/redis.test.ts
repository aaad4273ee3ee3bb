import { expect, it } from 'vitest'
import { describeWithRedis, redisCommand } from '../support/redis.ts'

describeWithRedis('the Redis the shared-state suites use', (url) => {
  it('answers PING on loopback', async () => {
    expect(new URL(url).hostname).toBe('127.0.0.1')
    expect(await redisCommand(url, 'PING')).toBe('+PONG\r\n')
  })
})
