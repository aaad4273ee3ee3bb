// The Lua scripts of the shared limiter, and how it runs them. Redis's own clock (TIME) is the
// only clock: each script reads it once. Every key they write has an expiry, and every key they
// read may be missing (a restart, a flush, an expiry): they recreate what they need.
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { LimiterKeys, LimiterSettings } from './settings.ts'
import { BLOCKED_POLL_MS, KEY_SLACK_MS, LEASE_MS } from './settings.ts'

/** Reads the clock and the epoch (created when missing: the state is new, or was lost). */
const PROLOGUE = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local floor = math.floor(now)
local keep = tonumber(ARGV[1]) + tonumber(ARGV[2]) + tonumber(ARGV[3])
local epoch = redis.call('get', KEYS[3])
if not epoch then
  epoch = t[1] .. '.' .. t[2]
  redis.call('set', KEYS[3], epoch, 'px', keep)
else
  redis.call('pexpire', KEYS[3], keep)
end
`

/**
 * Admits up to `want` calls, or says how long to wait. KEYS: leases, settled, epoch, paused,
 * next, blocked. ARGV: lease ms, retention, key slack, the leases' prefix, the number of the
 * first lease, want, known epoch, whether this process has calls of its own to re-add ('1'),
 * spacing, tolerance, concurrency, blocked-mark ms, then each window's ms and limit.
 *
 * A call is admitted when no pause holds, the spacing's schedule is due, fewer than
 * `concurrency` leases are held, and in each window the calls in flight plus those settled
 * within it are fewer than its limit. Leases that ran out count as settled then. The schedule
 * moves one spacing per start; a start that comes late by up to `tolerance` keeps it (so a late
 * timer costs no rate, and a batch catches up), a later one starts it afresh from now (so an
 * idle spell never allows a burst).
 *
 * Replies `{0, admitted, epoch, ms}` (the first `admitted` leases are held; `ms` until the next
 * may start, 0 when unknown), `{1, ms, epoch}` (paused), `{2, 0, epoch}` (the state was lost:
 * re-add this process's calls first), or `{3, ms, epoch, blocked, leaseMs}` (wait `ms`;
 * `blocked` when calls in flight fill a limit, `leaseMs` until the first lease runs out).
 */
export const ACQUIRE_LUA = `${PROLOGUE}
if ARGV[8] == '1' and ARGV[7] ~= epoch then return {2, 0, epoch} end
local paused = redis.call('pttl', KEYS[4])
if paused > 0 then return {1, paused, epoch} end
local retention = tonumber(ARGV[2])
local expired = redis.call('zrangebyscore', KEYS[1], '-inf', floor, 'withscores')
if #expired > 0 then
  if retention > 0 then
    for i = 1, #expired, 2 do redis.call('zadd', KEYS[2], expired[i + 1], expired[i]) end
    redis.call('pexpire', KEYS[2], retention + tonumber(ARGV[3]))
  end
  redis.call('zremrangebyscore', KEYS[1], '-inf', floor)
end
if retention > 0 then redis.call('zremrangebyscore', KEYS[2], '-inf', floor - retention) end
local inflight = redis.call('zcard', KEYS[1])
local spacing = tonumber(ARGV[9])
local tolerance = tonumber(ARGV[10])
local concurrency = tonumber(ARGV[11])
local due = tonumber(redis.call('get', KEYS[5]) or '0')
local counts = {}
for i = 13, #ARGV, 2 do counts[i] = redis.call('zcount', KEYS[2], '(' .. (floor - tonumber(ARGV[i])), '+inf') end
local want = tonumber(ARGV[6])
local admitted = 0
local wait = 0
local blocked = false
while true do
  blocked = concurrency > 0 and inflight >= concurrency
  wait = 0
  for i = 13, #ARGV, 2 do
    local window = tonumber(ARGV[i])
    local excess = inflight + counts[i] - tonumber(ARGV[i + 1])
    if excess >= counts[i] then
      if excess >= 0 then blocked = true end
    elseif excess >= 0 then
      local freed = redis.call('zrangebyscore', KEYS[2], '(' .. (floor - window), '+inf', 'withscores', 'limit', excess, 1)
      wait = math.max(wait, tonumber(freed[2]) + window - now)
    end
  end
  if spacing > 0 and due > now then wait = math.max(wait, due - now) end
  if blocked or wait > 0 or admitted >= want then break end
  redis.call('zadd', KEYS[1], floor + tonumber(ARGV[1]), ARGV[4] .. (tonumber(ARGV[5]) + admitted))
  admitted = admitted + 1
  inflight = inflight + 1
  if spacing > 0 then
    if now - due <= tolerance then due = due + spacing else due = now + spacing end
  end
end
if admitted > 0 then
  redis.call('pexpire', KEYS[1], keep)
  if spacing > 0 then redis.call('set', KEYS[5], tostring(due), 'px', math.ceil(spacing + tonumber(ARGV[3]))) end
  if blocked then wait = 0 end
  return {0, admitted, epoch, tostring(wait)}
end
local lease = -1
if blocked then
  redis.call('set', KEYS[6], '1', 'px', ARGV[12])
  local first = redis.call('zrange', KEYS[1], 0, 0, 'withscores')
  if first[2] then lease = tonumber(first[2]) - floor end
end
return {3, tostring(wait), epoch, blocked and 1 or 0, lease}
`

/**
 * A call settled: its lease goes and its settle time is kept (at Redis's clock, rounded up: never
 * earlier than the settle), and a call waiting on the calls in flight is woken. KEYS: leases,
 * settled, epoch, blocked. ARGV: lease ms, retention, key slack, member, channel.
 */
export const SETTLE_LUA = `${PROLOGUE}
redis.call('zrem', KEYS[1], ARGV[4])
local retention = tonumber(ARGV[2])
if retention > 0 then
  redis.call('zadd', KEYS[2], tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000), ARGV[4])
  redis.call('pexpire', KEYS[2], retention + tonumber(ARGV[3]))
end
if redis.call('exists', KEYS[4]) == 1 then redis.call('publish', ARGV[5], '1') end
return epoch
`

/**
 * Re-adds (or renews) this process's calls: the leases of its calls in flight, and the settle
 * times within the longest window, given as ages (ms before the script runs, so later than
 * the real settle, never earlier). KEYS: leases, settled, epoch. ARGV: lease ms, retention,
 * key slack, the number of leases, the leases, then each settled call and its age. Replies
 * the epoch.
 */
export const SYNC_LUA = `${PROLOGUE}
local leases = tonumber(ARGV[4])
for i = 5, 4 + leases do redis.call('zadd', KEYS[1], floor + tonumber(ARGV[1]), ARGV[i]) end
if leases > 0 then redis.call('pexpire', KEYS[1], keep) end
local added = false
for i = 5 + leases, #ARGV, 2 do
  local at = math.ceil(now - tonumber(ARGV[i + 1]))
  redis.call('zrem', KEYS[1], ARGV[i])
  local known = redis.call('zscore', KEYS[2], ARGV[i])
  if not known or tonumber(known) < at then redis.call('zadd', KEYS[2], at, ARGV[i]) end
  added = true
end
if added then redis.call('pexpire', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[3])) end
return epoch
`

/**
 * A pause the server asked for, kept as a key that expires when the pause ends (so no clock
 * but Redis's is involved): KEYS[1] the pause key, ARGV[1] the pause in ms. Only lengthens.
 */
export const PAUSE_LUA = `
if redis.call('pttl', KEYS[1]) < tonumber(ARGV[1]) then redis.call('set', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`
/** The longest pause kept in Redis (a timer's limit, about 24.8 days). */
export const MAX_PAUSE_MS = 2_147_483_647

const sha = (lua: string): string => createHash('sha1').update(lua).digest('hex')
const SHAS = new Map([ACQUIRE_LUA, SETTLE_LUA, SYNC_LUA, PAUSE_LUA].map((lua) => [lua, sha(lua)]))

/**
 * Runs a script by its SHA, and by its text when Redis does not know it (NOSCRIPT: its first
 * use, or a Redis that restarted or failed over since, whose script cache is empty).
 */
export async function runScript(
  client: Redis,
  lua: string,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(SHAS.get(lua) ?? sha(lua), keys.length, ...keys, ...args)
  } catch (error) {
    if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
    return await client.eval(lua, keys.length, ...keys, ...args)
  }
}

/** What an admission attempt answered. */
export type Admission =
  /** The first `count` of the leases asked for are held; the next call may start in `ms` (0: ask at once). */
  | { readonly kind: 'admitted'; readonly count: number; readonly ms: number; readonly epoch: string }
  | { readonly kind: 'paused'; readonly ms: number; readonly epoch: string }
  | { readonly kind: 'lost'; readonly epoch: string }
  /** `blocked`: the calls in flight fill a limit; `ms` then bounds the wait (a lease runs out). */
  | { readonly kind: 'wait'; readonly ms: number; readonly blocked: boolean; readonly epoch: string }

/** The first three ARGV of every limiter script. */
const common = (settings: LimiterSettings): number[] => [LEASE_MS, settings.retention, KEY_SLACK_MS]

/** The leases an admission asks for: `want` of them, named `prefix` followed by `first`, `first + 1`, … */
export interface LeaseNames {
  readonly prefix: string
  readonly first: number
  readonly want: number
}

/** Asks Redis to admit up to `leases.want` calls; see `ACQUIRE_LUA`. */
export async function acquire(
  client: Redis,
  keys: LimiterKeys,
  settings: LimiterSettings,
  leases: LeaseNames,
  knownEpoch: string,
  ownCalls: boolean,
): Promise<Admission> {
  const reply = (await runScript(
    client,
    ACQUIRE_LUA,
    [keys.leases, keys.settled, keys.epoch, keys.paused, keys.next, keys.blocked],
    [
      ...common(settings),
      leases.prefix,
      leases.first,
      leases.want,
      knownEpoch,
      ownCalls ? '1' : '0',
      settings.spacing,
      settings.tolerance,
      settings.concurrency,
      2 * BLOCKED_POLL_MS,
      ...settings.windows.flatMap((w) => [w.ms, w.limit]),
    ],
  )) as [number, string | number, string, (string | number)?, number?]
  const [code, value, epoch, extra, lease] = reply
  if (code === 0) return { kind: 'admitted', count: Number(value), ms: Number(extra ?? 0), epoch }
  if (code === 1) return { kind: 'paused', ms: Number(value), epoch }
  if (code === 2) return { kind: 'lost', epoch }
  if (extra === 1) {
    const until = lease !== undefined && lease >= 0 ? Math.max(1, lease) : BLOCKED_POLL_MS
    return { kind: 'wait', ms: Math.min(BLOCKED_POLL_MS, until), blocked: true, epoch }
  }
  return { kind: 'wait', ms: Number(value), blocked: false, epoch }
}

/** Tells Redis that the call `member` settled; resolves to the epoch. */
export async function settle(
  client: Redis,
  keys: LimiterKeys,
  settings: LimiterSettings,
  member: string,
): Promise<string> {
  return (await runScript(
    client,
    SETTLE_LUA,
    [keys.leases, keys.settled, keys.epoch, keys.blocked],
    [...common(settings), member, keys.channel],
  )) as string
}

/** Re-adds or renews this process's calls (`settled`: member and age in ms); resolves to the epoch. */
export async function sync(
  client: Redis,
  keys: LimiterKeys,
  settings: LimiterSettings,
  leases: readonly string[],
  settled: readonly (readonly [member: string, ageMs: number])[],
): Promise<string> {
  return (await runScript(
    client,
    SYNC_LUA,
    [keys.leases, keys.settled, keys.epoch],
    [...common(settings), leases.length, ...leases, ...settled.flat()],
  )) as string
}
