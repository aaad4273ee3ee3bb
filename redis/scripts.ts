// The Lua scripts the shared limiter runs in Redis, and how it runs them.
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/**
 * KEYS: the pause key (see `PAUSE_LUA`), then one sorted set per window; ARGV: the member,
 * then the window (ms) and limit of each window key. Returns `{1, ms}` while a pause holds,
 * the ms to wait before asking again while a window is full, or `{0, now}` when the start is
 * recorded.
 */
export const GUARD_LUA = `
local paused = redis.call('pttl', KEYS[1])
if paused > 0 then return {1, paused} end
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i = 1, #KEYS - 1 do
  local window = tonumber(ARGV[2 * i])
  local limit = tonumber(ARGV[2 * i + 1])
  redis.call('zremrangebyscore', KEYS[i + 1], '-inf', now - window)
  local count = redis.call('zcard', KEYS[i + 1])
  if count >= limit then
    local oldest = redis.call('zrange', KEYS[i + 1], count - limit, count - limit, 'WITHSCORES')
    wait = math.max(wait, tonumber(oldest[2]) + window - now)
  end
end
if wait > 0 then return math.ceil(wait) end
for i = 1, #KEYS - 1 do
  redis.call('zadd', KEYS[i + 1], now, ARGV[1])
  redis.call('pexpire', KEYS[i + 1], ARGV[2 * i])
end
return {0, now}
`
export const GUARD_SHA = createHash('sha1').update(GUARD_LUA).digest('hex')
/**
 * A pause the server asked for, kept as a key that expires when the pause ends (so no clock
 * but Redis's is involved): KEYS[1] the pause key, ARGV[1] the pause in ms. Only lengthens.
 */
export const PAUSE_LUA = `
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[1]) then redis.call('set', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`
export const PAUSE_SHA = createHash('sha1').update(PAUSE_LUA).digest('hex')
/** The longest pause kept in Redis (a timer's limit, about 24.8 days). */
export const MAX_PAUSE_MS = 2_147_483_647
/** The key of a shared pause. */
export const pauseKey = (id: string): string => `ply:${id}:paused`
/** Runs a script by its SHA, loading it on the first use. */
export async function runScript(
  client: Redis,
  sha: string,
  lua: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    return await client.eval(lua, keys.length, ...keys, ...args)
  }
}

/**
 * Runs the start guard: `[0, at, false]` when the start is recorded (at Redis's time `at`),
 * `[ms, undefined, false]` when a window is full, `[ms, undefined, true]` while a shared pause
 * holds; `ms` is the wait before asking again.
 */
export async function guard(
  client: Redis,
  keys: string[],
  args: (string | number)[],
): Promise<[wait: number, at: number | undefined, paused: boolean]> {
  const reply = await runScript(client, GUARD_SHA, GUARD_LUA, keys, args)
  if (!Array.isArray(reply)) return [Math.max(1, Number(reply)), undefined, false]
  if (Number(reply[0]) === 1) return [Math.max(1, Number(reply[1])), undefined, true]
  return [0, Number(reply[1]), false]
}

/** Moves a recorded start later (see LATE_START_MS); other processes then count it from there. */
export function moveStart(client: Redis, keys: string[], member: string, at: number): Promise<unknown> {
  if (keys.length === 0) return Promise.resolve()
  return client
    .pipeline(keys.map((key) => ['zadd', key, 'XX', at, member]))
    .exec()
    .then((results) => {
      const failed = results?.find(([error]) => error)
      if (failed) throw failed[0]
    })
}
