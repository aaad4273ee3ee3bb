// What `ply` says on stderr while calls fail and wait, and what its final error line says
// about the attempts. The lines come from a real client's events; the clock they measure
// attempts with is the test's own, so no test waits for a second to pass.
import { afterAll, describe, it } from 'vitest'
import { Calls } from '../../cli/calls.ts'
import { CallFailure } from '../../cli/errors.ts'
import { Log } from '../../cli/log.ts'
import { failureOf } from '../../cli/report.ts'
import { rateLimit, retry } from '../../middleware/index.ts'
import { createClient, HttpError, NetworkError, TimeoutError } from '../../src/index.ts'
import { startServer } from '../support/server.ts'
import { CLI_TEST_TIMEOUT_MS, Scratch } from './harness.ts'

/** The line of a retried attempt, printed only when the attempt took more than a second. */
const RETRY_LINE = /^ply: attempt 1 of 2 (timed out|failed \(\w+\)) after \d+\.\d s; retrying in \d+ ms$/

const scratch = new Scratch()
afterAll(() => scratch.close(), CLI_TEST_TIMEOUT_MS)

/** A log that keeps its lines, with or without `--verbose`. */
function captured(verbose: boolean): { log: Log; lines: string[] } {
  const lines: string[] = []
  return { log: new Log({ write: (chunk) => lines.push(String(chunk)) > 0 }, verbose), lines }
}

/**
 * A client whose every attempt answers 503 after `attemptMs` of the test's clock, retried
 * at once (no backoff) up to twice, watched by `Calls` reading that clock.
 */
function failingClient(verbose: boolean, attemptMs: readonly number[]) {
  let clock = 0
  let attempt = 0
  const { log, lines } = captured(verbose)
  const calls = new Calls(log, 3, () => clock)
  const client = createClient({
    baseUrl: 'http://ply.test',
    fetch: async () => {
      clock += attemptMs[attempt++] ?? 0
      return new Response('{}', { status: 503, headers: { 'content-type': 'application/json' } })
    },
  }).use(retry({ retries: 2, minDelay: 0, maxDelay: 0, budget: false }))
  calls.watch(client)
  return { client, calls, lines }
}

describe('the lines on stderr', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('are quiet while attempts fail and are retried within a second', async ({ expect }) => {
    const { client, calls, lines } = failingClient(false, [200, 900, 50])
    await expect(client.get('/x')).rejects.toBeInstanceOf(HttpError)
    expect(lines).toEqual([])
    expect(calls.lastFailure).toMatchObject({ method: 'GET', url: 'http://ply.test/x', attempts: 3 })
  })

  it('tell of an attempt that took longer than a second, as it fails', async ({ expect }) => {
    const { client, lines } = failingClient(false, [1_500, 100, 2_000])
    await expect(client.get('/x')).rejects.toBeInstanceOf(HttpError)
    // The last attempt is not retried: the final error tells of it.
    expect(lines).toEqual(['ply: attempt 1 of 3 failed with HTTP 503 after 1.5 s; retrying in 0 ms\n'])
  })

  it('tell of every attempt with --verbose, and of every call as it settles', async ({ expect }) => {
    const { client, lines } = failingClient(true, [10, 20, 30])
    await expect(client.get('/x')).rejects.toBeInstanceOf(HttpError)
    expect(lines.slice(0, 2)).toEqual([
      'ply: attempt 1 of 3 failed with HTTP 503 after 10 ms; retrying in 0 ms\n',
      'ply: attempt 2 of 3 failed with HTTP 503 after 20 ms; retrying in 0 ms\n',
    ])
    expect(lines[2]).toMatch(/^ply: GET http:\/\/ply\.test\/x → 503 \(cache bypass, 3 attempts, \d+ ms\)\n$/)
  })

  it('forget a failure once a later call succeeds', async ({ expect }) => {
    let status = 503
    const { log } = captured(false)
    const calls = new Calls(log, 1)
    const client = createClient({ baseUrl: 'http://ply.test', fetch: async () => new Response('', { status }) })
    calls.watch(client)
    await expect(client.get('/x')).rejects.toBeInstanceOf(HttpError)
    expect(calls.lastFailure?.attempts).toBe(1)
    status = 200
    await client.get('/x')
    expect(calls.lastFailure).toBeUndefined()
  })

  it('say a call waits for a free slot with --verbose, not "0 ms", and how long it waited once it settles', async ({
    expect,
  }) => {
    const { log, lines } = captured(true)
    const client = createClient({
      baseUrl: 'http://ply.test',
      fetch: async () => {
        await new Promise((resolve) => setTimeout(resolve, 60))
        return new Response('{}', { headers: { 'content-type': 'application/json' } })
      },
    }).use(rateLimit({ concurrency: 1 }))
    new Calls(log, 3).watch(client)
    await Promise.all([client.request('GET', '/a'), client.request('GET', '/b')])
    expect(lines[0]).toBe('ply: waiting for a free slot for the rate limit (concurrency)\n')
    expect(lines.join('')).not.toContain('waiting 0 ms')
    expect(lines[1]).toMatch(/^ply: GET http:\/\/ply\.test\/a → 200 \(cache bypass, 1 attempt, \d+ ms\)\n$/)
    const waited =
      /^ply: GET http:\/\/ply\.test\/b → 200 \(cache bypass, 1 attempt, \d+ ms, (\d+) ms of it waiting for the rate limit\)\n$/.exec(
        lines[2] ?? '',
      )
    // The slot was held for the first call's 60 ms timer: a lower bound, whatever the load.
    expect(Number(waited?.[1])).toBeGreaterThanOrEqual(40)
  })
})

describe('the final error line', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  const call = { method: 'GET', url: 'http://127.0.0.1:1234/x', attempts: 2, durationMs: 412 }

  it('says a timeout as one, with the attempts, how long they took and the timeout of each', async ({ expect }) => {
    const error = new TimeoutError('no response within 200 ms (GET http://127.0.0.1:1234/x)', { timeoutMs: 200 })
    expect(await failureOf(new CallFailure(error, call))).toEqual({
      code: 1,
      message: 'GET http://127.0.0.1:1234/x timed out after 2 attempts over 0.4 s (200 ms per attempt)',
    })
  })

  it('adds the attempts to a network failure, and to an answer that came after retries', async ({ expect }) => {
    const refused = new NetworkError('GET http://127.0.0.1:1234/x failed: connection refused', { code: 'ECONNREFUSED' })
    expect(await failureOf(new CallFailure(refused, { ...call, attempts: 1, durationMs: 3 }))).toEqual({
      code: 1,
      message: 'GET http://127.0.0.1:1234/x failed: connection refused (after 1 attempt over 0.0 s)',
    })
    const client = createClient({
      baseUrl: 'http://ply.test',
      fetch: async () => new Response('', { status: 503 }),
    })
    const answered = await client.get('/x').catch((error: unknown) => error)
    const { code, message } = await failureOf(new CallFailure(answered, { ...call, attempts: 3, durationMs: 2_345 }))
    expect(code).toBe(1)
    expect(message).toMatch(/^HTTP 503.* \(after 3 attempts over 2\.3 s\)$/)
    // A single attempt that got an answer: the message as it was.
    const single = await failureOf(new CallFailure(answered, { ...call, attempts: 1 }))
    expect(single.message).toMatch(/^HTTP 503/)
    expect(single.message).not.toContain('attempt')
  })
})

describe('ply against a server that never answers', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('gives up after --retries more attempts of --timeout each, and says so', async ({ expect }) => {
    const hanging = await startServer(() => undefined)
    scratch.add(() => hanging.close())
    const url = `${hanging.url}/x`
    const twice = await scratch.main(['get', url, '--timeout', '200', '--retries', '1', '--no-cache'])
    expect(twice.code).toBe(1)
    expect(twice.stdout).toBe('')
    const lines = twice.stderr.trimEnd().split('\n')
    expect(lines.at(-1)).toMatch(
      /^ply: GET http:\/\/127\.0\.0\.1:\d+\/x timed out after 2 attempts over \d+\.\d s \(200 ms per attempt\)$/,
    )
    // An attempt of 200 ms is quiet, unless a busy machine fired its timer a second late.
    for (const line of lines.slice(0, -1)) expect(line).toMatch(RETRY_LINE)
    const once = await scratch.main(['get', url, '--timeout', '100', '--retries', '0', '--no-cache'])
    expect(once.code).toBe(1)
    expect(once.stderr).toMatch(/timed out after 1 attempt over \d+\.\d s \(100 ms per attempt\)\n$/)
    expect(hanging.requests).toHaveLength(3)
  })

  it('says how many attempts a refused connection had', async ({ expect }) => {
    const closed = await startServer(() => undefined)
    await closed.close()
    const { code, stderr } = await scratch.main(['get', `${closed.url}/x`, '--retries', '1', '--no-cache'])
    expect(code).toBe(1)
    const lines = stderr.trimEnd().split('\n')
    expect(lines.at(-1)).toMatch(/^ply: GET http:\/\/127\.0\.0\.1:\d+\/x failed.* \(after 2 attempts over \d+\.\d s\)$/)
    for (const line of lines.slice(0, -1)) expect(line).toMatch(RETRY_LINE)
  })
})
