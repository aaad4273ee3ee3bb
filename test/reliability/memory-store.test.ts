import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { cache, MemoryStore } from '../../middleware/index.ts'
import { createClient } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

// Found by the soak: a 200 with no freshness and no validator is stored for a millisecond, as
// nothing can use it after that, but the memory store kept every such record until its bounds
// (1,000 records) pushed it out: about 2.5 KB of heap each, and useful records evicted first.

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    const maxAge = new URL(req.url ?? '/', 'http://x').searchParams.get('maxAge')
    sendJson(res, 200, { url: req.url }, maxAge === null ? {} : { 'cache-control': `max-age=${maxAge}` })
  })
})
afterAll(() => server.close())
afterEach(() => {
  vi.useRealTimers()
})

describe('MemoryStore drops records past their time', () => {
  it('records nothing can use are gone a second later, when the next one is stored', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const store = new MemoryStore()
    const api = createClient({ baseUrl: server.url }).use(cache({ store }))
    await api.get('/kept?maxAge=3600')
    for (let i = 0; i < 50; i++) await api.get(`/useless/${i}`)
    expect(store.size).toBe(51)
    vi.advanceTimersByTime(1_001)
    await api.get('/useless/last')
    // The fresh record stays; the 50 dead ones went; the last one is new.
    expect(store.size).toBe(2)
    expect((await api.get('/kept?maxAge=3600')).cacheStatus).toBe('hit')
  })

  it('bytes held go down with the records dropped', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const store = new MemoryStore()
    const api = createClient({ baseUrl: server.url }).use(cache({ store }))
    for (let i = 0; i < 20; i++) await api.get(`/bytes/${i}`)
    const full = store.bytes
    vi.advanceTimersByTime(1_001)
    await api.get('/bytes/last')
    expect(store.bytes).toBeLessThan(full / 10)
  })
})
