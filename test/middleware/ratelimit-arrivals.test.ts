import { afterEach, describe, expect, it } from 'vitest'
import { rateLimit } from '../../middleware/index.ts'
import { createClient } from '../../src/index.ts'
import { type ArrivalsServer, startArrivalsServer } from '../support/arrivals-server.ts'
import { busiestWindow } from '../support/windows.ts'

// Servers count arrivals, not releases: the first request on a new connection arrives late (a
// TLS handshake), later ones at once. A window counted from release lets a slow first burst and
// a fast second one land in one second at the server; counted from each call's settle (its
// slot held while in flight), no second of arrivals holds more than the limit.

let server: ArrivalsServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

describe('rateLimit() windows, as the server counts them', () => {
  it('perSecond: 10, 50 calls, first request per connection 150 ms late: no second of arrivals over 10, done in ≤ 5.6 s', async () => {
    server = await startArrivalsServer(150)
    const api = createClient({ baseUrl: server.url }).use(rateLimit({ perSecond: 10 }))
    const started = performance.now()
    await Promise.all(Array.from({ length: 50 }, () => api.get('/x')))
    const tookMs = performance.now() - started
    expect(server.times('/x')).toHaveLength(50)
    expect(busiestWindow(server.times('/x'), 1_000)).toBeLessThanOrEqual(10)
    // New connections were opened after the first burst too: the delay was met more than once.
    expect(server.connections()).toBeGreaterThanOrEqual(10)
    expect(tookMs).toBeLessThanOrEqual(5_600)
  })

  it('a window taught by RateLimit-Policy (10 per second) holds at the server the same way', async () => {
    server = await startArrivalsServer(150, { 'ratelimit-policy': '10;w=1' })
    const api = createClient({ baseUrl: server.url }).use(rateLimit())
    // The first answer teaches the policy; every call after it keeps to it.
    await api.get('/x')
    await Promise.all(Array.from({ length: 40 }, () => api.get('/x')))
    expect(server.times('/x')).toHaveLength(41)
    expect(busiestWindow(server.times('/x'), 1_000)).toBeLessThanOrEqual(10)
  })
})
