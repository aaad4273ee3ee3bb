import { setTimeout as realWait } from 'node:timers/promises'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { type RetryEvent, retry } from '../../middleware/index.ts'
import { AbortError, createClient, HttpError, NetworkError, RateLimitError, TimeoutError } from '../../src/index.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

interface Step {
  status: number
  headers?: Record<string, string>
  delayMs?: number
  never?: boolean
}

/** Each path answers its script in order, repeating the last step. */
const scripts = new Map<string, Step[]>()
const hits = new Map<string, number>()
let server: TestServer

beforeAll(async () => {
  server = await startServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const count = (hits.get(path) ?? 0) + 1
    hits.set(path, count)
    const script = scripts.get(path) ?? [{ status: 200 }]
    const step = script[Math.min(count, script.length) - 1] as Step
    if (step.never) return
    if (step.delayMs) await realWait(step.delayMs)
    sendJson(res, step.status, { attempt: count }, step.headers)
  })
})
afterAll(() => server.close())
afterEach(() => {
  vi.useRealTimers()
})

let next = 0
/** A fresh path with a script. */
function route(...steps: Step[]): string {
  const path = `/r${++next}`
  scripts.set(path, steps)
  return path
}
const calls = (path: string) => hits.get(path) ?? 0
const client = (options: Parameters<typeof retry>[0] = {}, onRetry?: (event: RetryEvent) => void) => {
  const made = createClient({ baseUrl: server.url }).use(retry({ minDelay: 1, maxDelay: 5, ...options }))
  return onRetry === undefined ? made : made.on('retry', onRetry)
}

describe('retry()', () => {
  it('503, 503, 200: three transport calls and success', async () => {
    const path = route({ status: 503 }, { status: 503 }, { status: 200 })
    const response = await client().get(path)
    expect(response.status).toBe(200)
    expect(response.attempts).toBe(3)
    expect(calls(path)).toBe(3)
  })

  it('gives up after `retries`, with the last response as the HttpError and every earlier cause', async () => {
    const path = route({ status: 502 })
    const error = await client()
      .get(path)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError).status).toBe(502)
    expect(calls(path)).toBe(3)
    expect((error as HttpError).attemptCauses?.map((cause) => (cause as HttpError).status)).toEqual([502, 502])
  })

  it('retries network errors and per-attempt timeouts', async () => {
    const closed = await startServer(() => {})
    await closed.close()
    const error = await createClient({ baseUrl: closed.url })
      .use(retry({ minDelay: 1 }))
      .get('/x')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkError)
    expect((error as NetworkError).attemptCauses).toHaveLength(2)

    const path = route({ status: 200, never: true }, { status: 200 })
    const response = await client().get(path, { timeout: 100 })
    expect(response.status).toBe(200)
    expect(calls(path)).toBe(2)
  })

  it('does not retry what is not retryable: a 404, a POST, a call that opts out', async () => {
    const notFound = route({ status: 404 }, { status: 200 })
    await expect(client().get(notFound)).rejects.toBeInstanceOf(HttpError)
    expect(calls(notFound)).toBe(1)
    const post = route({ status: 503 }, { status: 200 })
    await expect(client().post(post, { json: {} })).rejects.toBeInstanceOf(HttpError)
    expect(calls(post)).toBe(1)
    const optedOut = route({ status: 503 }, { status: 200 })
    await expect(client().get(optedOut, { retry: false })).rejects.toBeInstanceOf(HttpError)
    expect(calls(optedOut)).toBe(1)
  })

  it('retries a POST with an Idempotency-Key header, or with retry: true', async () => {
    const keyed = route({ status: 503 }, { status: 201 })
    const response = await client().post(keyed, { json: { a: 1 }, headers: { 'idempotency-key': 'k-1' } })
    expect(response.status).toBe(201)
    expect(calls(keyed)).toBe(2)
    const optedIn = route({ status: 503 }, { status: 201 })
    expect((await client().patch(optedIn, { json: {}, retry: true })).status).toBe(201)
    expect(calls(optedIn)).toBe(2)
  })

  it('retries a POST after an answer `unprocessed` recognises, and after nothing else', async () => {
    const refused = (response: Response) => response.status === 429 && response.headers.has('retry-after')
    const limited = route({ status: 429, headers: { 'retry-after': '0' } }, { status: 201 })
    const response = await client({ unprocessed: refused }).post(limited, { json: { a: 1 } })
    expect(response.status).toBe(201)
    expect(calls(limited)).toBe(2)
    // After the refusal, a 503 may have been acted on: it ends retrying.
    const thenFailing = route({ status: 429, headers: { 'retry-after': '0' } }, { status: 503 }, { status: 201 })
    const error = await client({ unprocessed: refused })
      .post(thenFailing, { json: {} })
      .catch((e: unknown) => e)
    expect((error as HttpError).status).toBe(503)
    expect(calls(thenFailing)).toBe(2)
    // Statuses and errors it does not recognise are not retried for a POST.
    const failing = route({ status: 503 }, { status: 201 })
    await expect(client({ unprocessed: refused }).post(failing, { json: {} })).rejects.toBeInstanceOf(HttpError)
    expect(calls(failing)).toBe(1)
    const dropped = route({ status: 200, never: true }, { status: 201 })
    await expect(client({ unprocessed: refused }).post(dropped, { json: {}, timeout: 100 })).rejects.toBeInstanceOf(
      TimeoutError,
    )
    expect(calls(dropped)).toBe(1)
    // A call's own choice still wins.
    const optedOut = route({ status: 429, headers: { 'retry-after': '0' } }, { status: 201 })
    await expect(client({ unprocessed: refused }).post(optedOut, { json: {}, retry: false })).rejects.toBeInstanceOf(
      HttpError,
    )
    expect(calls(optedOut)).toBe(1)
  })

  it("emits the client's retry event before each wait, and refuses the retired onRetry option", async () => {
    const events: RetryEvent[] = []
    const path = route({ status: 500 }, { status: 429, headers: { 'retry-after': '0' } }, { status: 200 })
    await client({}, (event) => events.push(event)).get(path)
    expect(events.map((event) => [event.attempt, event.status])).toEqual([
      [1, 500],
      [2, 429],
    ])
    expect(events[1]?.delayMs).toBe(0)
    expect(() => retry({ onRetry: () => {} } as never)).toThrow(
      "retry(): onRetry is gone; listen to the client's 'retry' event: client.on('retry', listener)",
    )
  })
})

describe('waiting', () => {
  /** Resolves when the call has waited once (the retry event fired), with the planned delay. */
  function retryWatcher() {
    let resolve: (event: RetryEvent) => void = () => {}
    const waited = new Promise<RetryEvent>((r) => {
      resolve = r
    })
    return { waited, onRetry: (event: RetryEvent) => resolve(event) }
  }

  async function expectWaitOf(ms: number, path: string, retryAfterHeader: () => string): Promise<void> {
    scripts.set(path, [{ status: 503, headers: { 'retry-after': retryAfterHeader() } }, { status: 200 }])
    const watcher = retryWatcher()
    const pending = client({}, watcher.onRetry).get(path)
    expect((await watcher.waited).delayMs).toBe(ms)
    await vi.advanceTimersByTimeAsync(ms - 1)
    await realWait(30) // real time for a request that should not be sent
    expect(calls(path)).toBe(1)
    await vi.advanceTimersByTimeAsync(1)
    expect((await pending).status).toBe(200)
    expect(calls(path)).toBe(2)
  }

  it('Retry-After: 2 makes the next attempt wait 2 s', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    await expectWaitOf(2000, route(), () => '2')
  })

  it('an HTTP-date Retry-After likewise', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    vi.setSystemTime(new Date('2026-03-01T12:00:00.000Z'))
    await expectWaitOf(2000, route(), () => new Date(Date.now() + 2000).toUTCString())
  })

  it('an abort during the wait rejects at once, with no further attempt and no timer left', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const path = route({ status: 503, headers: { 'retry-after': '30' } }, { status: 200 })
    const watcher = retryWatcher()
    const controller = new AbortController()
    const pending = client({}, watcher.onRetry)
      .get(path, { signal: controller.signal })
      .catch((e: unknown) => e)
    await watcher.waited
    // The fetch machinery keeps timers of its own; what counts is that the backoff's is gone.
    const timersWhileWaiting = vi.getTimerCount()
    controller.abort(new Error('enough'))
    const error = await pending
    expect(error).toBeInstanceOf(AbortError)
    expect((error as AbortError).cause).toEqual(new Error('enough'))
    expect(vi.getTimerCount()).toBeLessThan(timersWhileWaiting)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls(path)).toBe(1)
  })

  it('a server wait beyond maxRetryAfter ends retrying: a 429 says when to come back', async () => {
    const limited = route({ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 })
    const error = await client({ maxRetryAfter: 60_000 })
      .get(limited)
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    const resetAt = (error as RateLimitError).resetAt?.getTime() ?? 0
    expect(Math.abs(resetAt - (Date.now() + 3_600_000))).toBeLessThan(5_000)
    expect(calls(limited)).toBe(1)
    const unavailable = route({ status: 503, headers: { 'retry-after': '3600' } }, { status: 200 })
    await expect(client().get(unavailable)).rejects.toBeInstanceOf(HttpError)
    expect(calls(unavailable)).toBe(1)
  })

  it('a 429 that resets past maxRetryAfter releases its body (and so its connection)', async () => {
    let cancelled = false
    const fetch = async () =>
      new Response(
        new ReadableStream({
          start: (controller) => controller.enqueue(new TextEncoder().encode('{"slow":')),
          cancel: () => {
            cancelled = true
          },
        }),
        { status: 429, headers: { 'retry-after': '3600', 'content-type': 'application/json' } },
      )
    const error = await createClient({ baseUrl: 'http://127.0.0.1:9', fetch })
      .use(retry({ maxRetryAfter: 60_000 }))
      .get('/limited')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(cancelled).toBe(true)
  })

  it('a GitHub-style exhausted limit on a 403 is waited out', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    vi.setSystemTime(new Date('2026-03-01T12:00:00.000Z'))
    const reset = String(Date.now() / 1000 + 3)
    const path = route(
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
      { status: 200 },
    )
    const watcher = retryWatcher()
    const pending = client({}, watcher.onRetry).get(path)
    expect((await watcher.waited).delayMs).toBe(3000)
    await vi.advanceTimersByTimeAsync(3000)
    expect((await pending).status).toBe(200)
  })
})

describe('deadline and budget', () => {
  it('a 1 s deadline against 503s that take 400 ms: at most 3 attempts, and the error well before the retries would end', async () => {
    const path = route({ status: 503, delayMs: 400 })
    const started = performance.now()
    const error = await client({ minDelay: 50, maxDelay: 100, retries: 10 })
      .get(path, { deadline: 1000 })
      .catch((e: unknown) => e)
    const elapsed = performance.now() - started
    expect(error).toBeInstanceOf(Error)
    expect(error instanceof HttpError || error instanceof TimeoutError).toBe(true)
    expect(calls(path)).toBeLessThanOrEqual(3)
    // Without the deadline, 11 attempts of 400 ms and their waits take over 5 s.
    expect(elapsed).toBeLessThan(3_000)
  })

  it('100 concurrent calls against a failing server stay within the retry budget', async () => {
    const path = route({ status: 503 })
    const api = client({ retries: 2, budget: { ratio: 0.2, minRetries: 10 } })
    await Promise.allSettled(Array.from({ length: 100 }, () => api.get(path)))
    expect(calls(path)).toBeGreaterThan(100)
    expect(calls(path)).toBeLessThanOrEqual(100 * 1.2 + 10)
  })

  it('without a budget the same outage triples the load', async () => {
    const path = route({ status: 503 })
    const api = client({ retries: 2, budget: false })
    await Promise.allSettled(Array.from({ length: 100 }, () => api.get(path)))
    expect(calls(path)).toBe(300)
  })
})
