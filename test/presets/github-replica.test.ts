import { setTimeout as realWait } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Replica, startReplica } from '../../examples/replica/index.ts'
import { type GitHub, github } from '../../presets/index.ts'
import { RateLimitError } from '../../src/index.ts'

// The GitHub preset against the embedded replica: real HTTP on loopback, GitHub's headers,
// ETags, Link pagination, a per-token quota and a secondary limit on bursts of mutations.
const TOKEN = 'ghp_replica_token'
let replica: Replica
let gh: GitHub

beforeEach(async () => {
  replica = await startReplica()
  gh = github({ token: TOKEN, baseUrl: replica.url, userAgent: 'ply-tests' })
})
afterEach(async () => {
  vi.useRealTimers()
  await gh.close()
  await replica.close()
})

/** Fake clock for timers and Date (the replica reads the same Date); real I/O runs between steps. */
function fakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
}

/** Advances the fake clock in steps until `done()` or `limitMs` of fake time, letting real I/O run. */
async function advanceUntil(done: () => boolean, limitMs: number, step = 100): Promise<void> {
  for (let elapsed = 0; elapsed < limitMs && !done(); elapsed += step) {
    await vi.advanceTimersByTimeAsync(step)
    await realWait(2)
  }
}

const requestsTo = (path: string) => replica.requests.filter((seen) => seen.path === path)

describe('github() against the replica', () => {
  it('paginates 250 repositories across 3 pages', async () => {
    const pages: number[] = []
    for await (const page of gh.listUserRepos('torvalds').pages()) pages.push(page.data.length)
    expect(pages).toEqual([100, 100, 50])
    const all = await gh.listUserRepos('torvalds').all()
    expect(new Set(all.map((repo) => repo.id)).size).toBe(250)
    expect(requestsTo('/users/torvalds/repos').every((seen) => seen.query.includes('per_page=100'))).toBe(true)
  })

  it('a second getRepo is a hit; after the cache lifetime a 304 revalidates without using quota', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const first = await gh.getRepo('octocat', 'Hello-World')
    expect(first.cacheStatus).toBe('miss')
    const second = await gh.getRepo('octocat', 'Hello-World')
    expect(second.cacheStatus).toBe('hit')
    expect(second.data).toEqual(first.data)
    expect(requestsTo('/repos/octocat/Hello-World')).toHaveLength(1)

    const remaining = replica.github.remaining(TOKEN)
    vi.setSystemTime(Date.now() + 61_000)
    const third = await gh.getRepo('octocat', 'Hello-World')
    expect(third.cacheStatus).toBe('revalidated')
    expect(third.data.full_name).toBe('octocat/Hello-World')
    const seen = requestsTo('/repos/octocat/Hello-World')
    expect(seen).toHaveLength(2)
    expect(seen[1]?.headers['if-none-match']).toMatch(/^W\/"/)
    expect(seen[1]?.status).toBe(304)
    expect(replica.github.remaining(TOKEN)).toBe(remaining)
  })

  it('a burst of 20 creates goes out at least 1 s apart, and none meets the secondary limit', async () => {
    fakeClock()
    // When each create leaves the stack for the wire (fake clock): the limiter's release times.
    const sent: number[] = []
    gh.client.use(async (ctx, next) => {
      if (ctx.request.method === 'POST') sent.push(Date.now())
      await next()
    })
    let settled = 0
    const creates = Array.from({ length: 20 }, (_, i) =>
      gh
        .request('POST /repos/{owner}/{repo}/issues', { owner: 'octocat', repo: 'Hello-World', title: `burst ${i}` })
        .finally(() => settled++),
    )
    await advanceUntil(() => settled === 20, 30_000)
    const created = await Promise.all(creates)
    expect(created.map((response) => response.status)).toEqual(Array(20).fill(201))
    expect(replica.requests.filter((seen) => seen.method === 'POST')).toHaveLength(20)
    expect(sent).toHaveLength(20)
    for (let i = 1; i < sent.length; i++) expect((sent[i] ?? 0) - (sent[i - 1] ?? 0)).toBeGreaterThanOrEqual(1_000)
  })

  it('an exhausted quota makes the next call wait for the reset', async () => {
    fakeClock()
    const resetAt = Date.now() + 30_000
    replica.github.setQuota(TOKEN, { remaining: 1, resetAt })
    await gh.getUser('octocat')
    expect(gh.quota().remaining).toBe(0)
    let done = false
    const waiting = gh.getUser('torvalds').finally(() => {
      done = true
    })
    await advanceUntil(() => done, 20_000, 500)
    expect(done).toBe(false)
    expect(requestsTo('/users/torvalds')).toHaveLength(0)
    await advanceUntil(() => done, 20_000, 500)
    expect((await waiting).data.login).toBe('torvalds')
    expect(requestsTo('/users/torvalds')[0]?.at).toBeGreaterThanOrEqual(resetAt)
  })

  it('an exhausted quota fails with a RateLimitError when the reset is past the deadline', async () => {
    replica.github.setQuota(TOKEN, { remaining: 0, resetAt: Date.now() + 600_000 })
    const error = await gh.getUser('octocat', { deadline: 5_000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(Math.abs(((error as RateLimitError).resetAt?.getTime() ?? 0) - (Date.now() + 600_000))).toBeLessThan(2_000)
    const before = replica.requests.length
    await expect(gh.getUser('torvalds', { deadline: 5_000 })).rejects.toBeInstanceOf(RateLimitError)
    expect(replica.requests.length).toBe(before)
  })
})
