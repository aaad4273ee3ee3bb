// biome-ignore-all lint/suspicious/noExportsInTest: the example is copied verbatim from the page, exports included
// The worked example of docs/presets.md, "A preset for your own API", copied verbatim (only the
// imports differ), run against a real loopback server. The first test checks the copy still
// matches the page.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, cache, dedupe, parse, rateLimit, retry } from '../../middleware/index.ts'
import { ClientClosedError, ConfigError, createClient } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

// ---- docs/presets.md, "A preset for your own API" ----

/** A ticket, as the Acme Tickets API returns it. */
export interface Ticket {
  id: number
  title: string
  status: 'open' | 'closed'
}

/** Options of `acmeTickets()`. */
export interface AcmeTicketsOptions {
  apiKey: string
  baseUrl?: string | undefined
}

/** A client for the Acme Tickets API: ply's stack and two typed methods. */
export function acmeTickets(options: AcmeTicketsOptions) {
  if (!options.apiKey) throw new ConfigError('acmeTickets(): apiKey is required')
  const client = createClient({ baseUrl: options.baseUrl ?? 'https://tickets.acme.example/v1', timeout: 5_000 })
    .use(parse()) // outermost: the layers below see raw responses
    .use(cache({ ttl: 30_000 })) // no caching headers: keep answers 30 s; a hit skips all below
    .use(dedupe())
    .use(retry()) // each attempt goes through the limiter and auth again
    .use(rateLimit({ perSecond: 10, concurrency: 4 })) // also learns RateLimit / Retry-After from the answers
    .use(auth.apiKey({ header: 'X-Acme-Key' }, options.apiKey)) // innermost: signs every attempt
  return {
    client,
    ticket: (id: number) => client.get<Ticket>('/tickets/{id}', { params: { id } }),
    openTickets: () => client.paginate<Ticket[]>('/tickets', { query: { status: 'open' } }).all(),
    close: () => client.close(), // closes the stack: the limiter's queue, the cache's writes
  }
}

// ---- end of the copy ----

const KEY = 'acme-key-0123456789'
let server: TestServer
let failures = 0

beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.headers['x-acme-key'] !== KEY) return sendJson(res, 401, { error: 'bad key' })
    const url = new URL(req.url ?? '/', server.url)
    if (url.pathname === '/tickets/7') {
      if (failures-- > 0) return sendJson(res, 503, { error: 'busy' })
      return sendJson(res, 200, { id: 7, title: 'Printer on fire', status: 'open' })
    }
    if (url.pathname === '/tickets' && url.searchParams.get('status') === 'open') {
      const page = Number(url.searchParams.get('page') ?? 1)
      const link = page === 1 ? { link: `<${server.url}/tickets?status=open&page=2>; rel="next"` } : {}
      return sendJson(res, 200, [{ id: page, title: `ticket ${page}`, status: 'open' }], link)
    }
    sendJson(res, 404, { error: 'no such thing' })
  })
})
afterAll(() => server.close())

describe('docs/presets.md', () => {
  it('shows exactly the code tested here', () => {
    const page = readFileSync(new URL('../../docs/presets.md', import.meta.url), 'utf8')
    const block = [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((code) => code.includes('export function acmeTickets('))
    expect(block).toBeDefined()
    const self = readFileSync(new URL(import.meta.url), 'utf8')
    expect(self).toContain((block ?? '').replace(/^import [^\n]*\n/gm, '').trim())
  })

  it('the example preset signs, retries, caches and paginates', async () => {
    failures = 1
    const acme = acmeTickets({ apiKey: KEY, baseUrl: server.url })
    const from = server.requests.length
    const first = await acme.ticket(7)
    expect(first.data.title).toBe('Printer on fire')
    expect(first.attempts).toBe(2)
    const again = await acme.ticket(7)
    expect(again.cacheStatus).toBe('hit')
    expect(await acme.openTickets()).toEqual([
      { id: 1, title: 'ticket 1', status: 'open' },
      { id: 2, title: 'ticket 2', status: 'open' },
    ])
    expect(server.requests.slice(from).map((seen) => seen.headers['x-acme-key'])).toEqual([KEY, KEY, KEY, KEY])
    await acme.close()
    await expect(acme.ticket(7)).rejects.toBeInstanceOf(ClientClosedError)
    expect(() => acmeTickets({ apiKey: '' })).toThrow(ConfigError)
  })
})
