/**
 * An embedded replica of the GitHub REST API and of the OpenWeatherMap API 2.5, on one
 * loopback HTTP server: GitHub's paths at the root (`/users/octocat`, `/repos/…`,
 * `/search/repositories`, `/rate_limit`), OpenWeatherMap's under `/data/2.5/`, and the
 * petstore of examples/petstore/petstore.yaml under `/petstore/`. It answers
 * with the real services' shapes, headers and behaviours (quotas, conditional requests,
 * Link pagination, secondary limits, error bodies) so that the presets, the tests and the
 * demo run against something that behaves like the real thing, offline.
 *
 * Every clock reading is `Date.now()` (tests may fake `Date`), and the server starts no
 * timers: nothing keeps the process alive but the listening socket, which `close()` ends.
 *
 * @example
 * const replica = await startReplica()
 * const res = await fetch(`${replica.url}/users/octocat`)
 * await replica.close()
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGithub, type GithubReplicaOptions } from './github.ts'
import {
  flattenHeaders,
  type Incoming,
  jsonReply,
  type Reply,
  readBody,
  reasonPhrase,
  requestId,
  writeReply,
} from './http.ts'
import { createOwm, type OwmReplicaOptions } from './owm.ts'
import { createPetstore, PETSTORE_PREFIX } from './petstore.ts'

export type { GithubReplicaOptions } from './github.ts'
export type { OwmReplicaOptions } from './owm.ts'

/** How the replica behaves; everything has a default. */
export interface ReplicaOptions {
  /** The GitHub API: accepted tokens, quotas and the secondary limit. */
  github?: GithubReplicaOptions | undefined
  /** The OpenWeatherMap API: accepted keys and the per-minute quota. */
  owm?: OwmReplicaOptions | undefined
}

/** One request the replica answered. */
export interface RecordedRequest {
  readonly method: string
  /** pathname */
  readonly path: string
  /** the raw query string without '?' (appid kept as sent; it's a test server) */
  readonly query: string
  /** lower-cased request headers */
  readonly headers: Readonly<Record<string, string>>
  readonly status: number
  /** Date.now() when the request arrived */
  readonly at: number
}

/** Options of `Replica.failNext`. */
export interface FailOptions {
  /** Status to answer (default 503). */
  status?: number | undefined
  /** Seconds for a `Retry-After` header; none when absent. */
  retryAfter?: number | undefined
  /** Only requests whose path starts with this are failed (default: any). */
  pathPrefix?: string | undefined
}

/** A running replica. */
export interface Replica {
  /** http://127.0.0.1:<port> */
  readonly url: string
  /** Every request answered, in order of arrival. */
  readonly requests: readonly RecordedRequest[]
  /** Answer the next `count` requests whose path starts with `pathPrefix` (default: any) with `status` (default 503), optionally with a Retry-After (seconds). The failure body is GitHub-shaped for GitHub paths and OWM-shaped for OWM paths. */
  failNext(count: number, options?: FailOptions): void
  /** Controls of the GitHub half. */
  readonly github: {
    /** Remaining core quota for a token (undefined = anonymous). */
    remaining(token?: string): number
    /** Sets the core bucket of a token (undefined = anonymous): remaining count and the reset as epoch ms. */
    setQuota(token: string | undefined, quota: { remaining: number; resetAt: number }): void
    /** Answer the next `count` requests (any GitHub path) with the secondary-limit 403 WITHOUT Retry-After (the documented message only). */
    secondaryLimitNext(count: number): void
  }
  /** Controls of the OpenWeatherMap half. */
  readonly owm: {
    /** Calls counted against a key in the current window. */
    used(key: string): number
  }
  /** The petstore (examples/petstore/petstore.yaml) under `/petstore`. */
  readonly petstore: {
    /** The pets as stored now. */
    pets(): readonly { readonly id: number; readonly name: string }[]
  }
  /** Closes the server and every open connection; resolves when closed. */
  close(): Promise<void>
}

/** Where OpenWeatherMap's paths live; everything else is GitHub's. */
const OWM_PREFIX = '/data/'

interface Failure {
  remaining: number
  readonly status: number
  readonly retryAfter: number | undefined
  readonly pathPrefix: string
}

/** A RecordedRequest whose status is filled in when the answer is written. */
type Recording = { -readonly [K in keyof RecordedRequest]: RecordedRequest[K] }

/** The injected failure's answer: GitHub's `{ message }` or OWM's `{ cod, message }`. */
function failureReply(failure: Failure, path: string): Reply {
  const message = reasonPhrase(failure.status)
  const headers: Record<string, string> =
    failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) }
  if (path.startsWith(PETSTORE_PREFIX))
    return jsonReply(failure.status, { title: message, status: failure.status }, headers)
  return path.startsWith(OWM_PREFIX)
    ? jsonReply(failure.status, { cod: failure.status, message }, { server: 'openresty', ...headers })
    : jsonReply(failure.status, { message }, { server: 'github.com', 'x-github-request-id': requestId(), ...headers })
}

/**
 * Starts the replica on 127.0.0.1 with an OS-chosen port. Requests are answered in arrival
 * order; `failNext` failures come first (before any check, counting no quota), then the
 * request goes to the GitHub or the OpenWeatherMap half by its path.
 */
export async function startReplica(options?: ReplicaOptions): Promise<Replica> {
  const requests: Recording[] = []
  const failures: Failure[] = []
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`
  const github = createGithub(options?.github, url)
  const owm = createOwm(options?.owm)
  const petstore = createPetstore()

  function takeFailure(path: string): Failure | undefined {
    const failure = failures.find((f) => f.remaining > 0 && path.startsWith(f.pathPrefix))
    if (failure === undefined) return undefined
    failure.remaining--
    if (failure.remaining === 0) failures.splice(failures.indexOf(failure), 1)
    return failure
  }

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    const target = req.url ?? '/'
    const queryAt = target.indexOf('?')
    const headers = flattenHeaders(req.headers)
    const base = `http://${headers.host ?? `127.0.0.1:${port}`}`
    let parsed: URL
    try {
      parsed = new URL(target, base)
    } catch {
      parsed = new URL(target, url)
    }
    const record: Recording = {
      method: req.method ?? 'GET',
      path: parsed.pathname,
      query: queryAt === -1 ? '' : target.slice(queryAt + 1),
      headers,
      status: 0,
      at,
    }
    requests.push(record)
    let reply: Reply
    try {
      const body = await readBody(req)
      const incoming: Incoming = {
        method: record.method.toUpperCase(),
        url: parsed,
        headers,
        body,
        remoteAddress: req.socket.remoteAddress ?? '127.0.0.1',
      }
      const failure = takeFailure(parsed.pathname)
      if (failure !== undefined) reply = failureReply(failure, parsed.pathname)
      else if (parsed.pathname.startsWith(OWM_PREFIX)) reply = owm.handle(incoming)
      else if (parsed.pathname.startsWith(PETSTORE_PREFIX)) reply = petstore.handle(incoming)
      else reply = github.handle(incoming)
    } catch (error) {
      reply = jsonReply(500, { message: `Replica error: ${String(error)}` })
    }
    record.status = reply.status
    if (!res.destroyed) writeReply(res, reply)
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void answer(req, res)
  })
  let closing: Promise<void> | undefined

  return {
    url,
    requests,
    failNext(count, failOptions) {
      const remaining = Math.max(0, Math.floor(count))
      if (remaining === 0) return
      failures.push({
        remaining,
        status: failOptions?.status ?? 503,
        retryAfter: failOptions?.retryAfter,
        pathPrefix: failOptions?.pathPrefix ?? '',
      })
    },
    github: {
      remaining: (token) => github.remaining(token),
      setQuota: (token, quota) => github.setQuota(token, quota),
      secondaryLimitNext: (count) => github.secondaryLimitNext(count),
    },
    owm: { used: (key) => owm.used(key) },
    petstore: { pets: () => petstore.pets() },
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closing
    },
  }
}
