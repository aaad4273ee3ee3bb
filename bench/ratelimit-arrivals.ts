/**
 * `rateLimit()` precision as the server counts it: callers ask through
 * `rateLimit({ perSecond: R })` as fast as they can, against an origin that holds the first
 * request of each new connection for 150 ms (a TLS handshake on a real API),
 * and the origin records when each request arrives. The most arrivals in any sliding second
 * is what a server's own limiter sees.
 */
import { rateLimit } from '../middleware/ratelimit/index.ts'
import { AbortError, createClient } from '../src/index.ts'
import { startArrivalsServer } from '../test/support/arrivals-server.ts'
import { maxInWindow } from './ratelimit-precision.ts'

/** The delay of a new connection's first request at the server. */
export const CONNECTION_SETUP_MS = 150

/** What a run's arrivals at the server come to. */
export interface ArrivalFigures {
  /** Arrivals within [0, duration) per second. */
  readonly achieved: number
  /** Arrivals within [1 s, duration) per second: without the first second's connection setup. */
  readonly steady: number
  /** Most arrivals in any sliding second. */
  readonly maxSecond: number
}

/** The figures of arrivals (ms since the run began, ascending) over a run of `durationMs`. */
export function arrivalFigures(arrivals: readonly number[], durationMs: number): ArrivalFigures {
  return {
    achieved: arrivals.filter((at) => at < durationMs).length / (durationMs / 1000),
    steady: arrivals.filter((at) => at >= 1000 && at < durationMs).length / (durationMs / 1000 - 1),
    maxSecond: maxInWindow(arrivals, 1000),
  }
}

/** One rate's run, measured at the server. */
export interface ArrivalRow extends ArrivalFigures {
  readonly rate: number
  readonly callers: number
  readonly durationMs: number
  /** Connections the client opened (each one's first request arrived late). */
  readonly connections: number
}

/** Asks with `callers` concurrent callers for `durationMs` and counts what the origin saw. */
export async function arrivalRun(rate: number, callers: number, durationMs: number): Promise<ArrivalRow> {
  const server = await startArrivalsServer(CONNECTION_SETUP_MS)
  const limiter = rateLimit({ perSecond: rate })
  const client = createClient({ baseUrl: server.url }).use(limiter)
  const stop = new AbortController()
  const caller = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      await client.get('/json', { signal: stop.signal }).catch((error: unknown) => {
        if (!(error instanceof AbortError && stop.signal.aborted)) throw error
      })
    }
  }
  const origin = performance.now()
  const timer = setTimeout(() => stop.abort(), durationMs)
  try {
    await Promise.all(Array.from({ length: callers }, caller))
  } finally {
    clearTimeout(timer)
    await client.close()
    await server.close()
  }
  const arrivals = server
    .times('/json')
    .map((at) => at - origin)
    .sort((a, b) => a - b)
  return {
    rate,
    callers,
    durationMs,
    ...arrivalFigures(arrivals, durationMs),
    connections: server.connections(),
  }
}

/** The table of runs at the server, then one line per rate on whether the limit held there. */
export function arrivalSection(rows: readonly ArrivalRow[]): string[] {
  return [
    `| Configured (req/s) | Callers | Connections opened | Achieved at the server (req/s) | After the first second (req/s) | After ÷ configured | Most arrivals in any 1 s |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.rate.toLocaleString('en-US')} | ${row.callers} | ${row.connections} | ${row.achieved.toFixed(1)} | ${row.steady.toFixed(1)} | ${(row.steady / row.rate).toFixed(3)} | ${row.maxSecond} |`,
    ),
    '',
    ...rows.map(
      (row) =>
        `- ${row.rate.toLocaleString('en-US')}/s: never more than the limit in a second at the server: ${row.maxSecond <= row.rate ? '**met**' : '**not met**'}; at least 95% of it after the first second: ${row.steady >= 0.95 * row.rate ? '**met**' : '**not met**'}.`,
    ),
  ]
}
