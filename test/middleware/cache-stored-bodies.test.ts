import { createHash } from 'node:crypto'
import Keyv from 'keyv'
import { describe, expect, it, vi } from 'vitest'
import { cache } from '../../middleware/cache/index.ts'
import { createClient, type FetchFunction } from '../../src/index.ts'

const BASE = 'https://api.example.test'
/** Every byte value, then UTF-8: a body no text decoding could carry intact. */
const BYTES = new Uint8Array([...Array.from({ length: 256 }, (_, i) => i), ...new TextEncoder().encode('h\u00e9llo ☃')])
/** The Keyv key of an anonymous GET of `url`, as `cache()` has always written it. */
const keyOf = (url: string) => `ply-cache:v1:${createHash('sha256').update(`GET\0${url}\0|`).digest('base64url')}`

function origin(body: Uint8Array): { fetch: FetchFunction; calls: () => number } {
  let calls = 0
  const fetch: FetchFunction = async () => {
    calls++
    return new Response(body.slice(), {
      headers: {
        'content-type': 'application/octet-stream',
        'cache-control': 'max-age=600',
        date: new Date().toUTCString(),
      },
    })
  }
  return { fetch, calls: () => calls }
}

interface StoredRecord {
  v: number
  variants: { body: string }[]
}

/** The record `cache()` wrote for `url` into `store`, once the background write has landed. */
async function storedRecord(store: Keyv, url: string): Promise<StoredRecord> {
  return vi.waitFor(async () => {
    const record = (await store.get(keyOf(url))) as StoredRecord | undefined
    if (record === undefined) throw new Error('not written yet')
    return record
  })
}

describe('cache() bodies in a Keyv store', () => {
  it('are written as standard base64, exactly as Buffer wrote them, under the same SHA-256 key', async () => {
    const store = new Keyv({ store: new Map() })
    const { fetch } = origin(BYTES)
    const api = createClient({ baseUrl: BASE, fetch }).use(cache({ store }))
    const response = await api.fetch('/bytes')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BYTES)
    const record = await storedRecord(store, `${BASE}/bytes`)
    expect(record.variants[0]?.body).toBe(Buffer.from(BYTES).toString('base64'))
  })

  it('an entry written with Buffer before reads back byte for byte, without a request', async () => {
    const store = new Keyv({ store: new Map() })
    const writer = createClient({ baseUrl: BASE, fetch: origin(BYTES).fetch }).use(cache({ store }))
    await (await writer.fetch('/old')).arrayBuffer()
    const record = await storedRecord(store, `${BASE}/old`)
    // The same record, its body re-encoded by Buffer from other bytes.
    const older = BYTES.slice().reverse()
    const variants = record.variants.map((variant) => ({ ...variant, body: Buffer.from(older).toString('base64') }))
    await store.set(keyOf(`${BASE}/old`), { ...record, variants })
    const reader = origin(new Uint8Array())
    const api = createClient({ baseUrl: BASE, fetch: reader.fetch }).use(cache({ store }))
    const response = await api.fetch('/old')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(older)
    expect(reader.calls()).toBe(0)
  })

  it('an entry whose body is not base64 is a miss, not an error', async () => {
    const store = new Keyv({ store: new Map() })
    const writer = createClient({ baseUrl: BASE, fetch: origin(BYTES).fetch }).use(cache({ store }))
    await (await writer.fetch('/damaged')).arrayBuffer()
    const record = await storedRecord(store, `${BASE}/damaged`)
    const variants = record.variants.map((variant) => ({ ...variant, body: 'not base64!' }))
    await store.set(keyOf(`${BASE}/damaged`), { ...record, variants })
    const reader = origin(BYTES)
    const api = createClient({ baseUrl: BASE, fetch: reader.fetch }).use(cache({ store }))
    const response = await api.fetch('/damaged')
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(BYTES)
    expect(reader.calls()).toBe(1)
  })
})
