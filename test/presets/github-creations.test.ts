import nock from 'nock'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { github } from '../../presets/index.ts'
import { useNock } from '../support/nock.ts'
import { busiestWindow } from '../support/windows.ts'

// GitHub's secondary limits cap content-creating requests at 80 a minute and 500 an hour
// (docs.github.com, "About secondary rate limits"), besides one at a time, a second apart.

const API = 'https://api.github.com'
const MINUTE = 60_000
const HOUR = 3_600_000

useNock()
afterEach(() => {
  vi.useRealTimers()
})

describe('github() content creation', () => {
  it('spreads 600 creations so that no minute holds more than 80 and no hour more than 500', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const arrivals: number[] = []
    nock(API)
      .post('/repos/octo/hello/issues')
      .times(600)
      .reply(() => {
        arrivals.push(Date.now())
        return [201, { id: arrivals.length }, { 'content-type': 'application/json' }]
      })
    // A wait of an hour is what the caller agrees to here; the default maxWait refuses it.
    const gh = github({ token: 'ghp_creations', cache: false, maxWait: 2 * HOUR })
    const created = Array.from({ length: 600 }, (_, i) =>
      gh.request('POST /repos/{owner}/{repo}/issues', { owner: 'octo', repo: 'hello', title: `issue ${i}` }),
    )
    const settled = Promise.all(created)
    let done = false
    void settled.then(() => {
      done = true
    })
    // One fake second per turn while calls flow; longer turns while the hour's cap holds them.
    let before = -1
    for (let turn = 0; turn < 5_000 && !done; turn++) {
      const step = arrivals.length === before ? 10_000 : 1_000
      before = arrivals.length
      await vi.advanceTimersByTimeAsync(step)
    }
    expect(done).toBe(true)
    expect(arrivals).toHaveLength(600)
    expect(busiestWindow(arrivals, MINUTE)).toBeLessThanOrEqual(80)
    expect(busiestWindow(arrivals, HOUR)).toBeLessThanOrEqual(500)
    // Not held longer than the caps ask: the 501st goes out in the second hour's first minutes.
    expect((arrivals[599] as number) - (arrivals[0] as number)).toBeLessThan(HOUR + 15 * MINUTE)
    await gh.close()
  })
})
