// Behind a proxy, as users are at work: `ply` honours HTTPS_PROXY, HTTP_PROXY and NO_PROXY
// (Node's own proxy support, turned on for the process), and the library goes through one
// with an undici dispatcher as docs/proxy.md shows. Both are proven through a forward proxy
// on loopback that counts what passes it.
import { readFileSync } from 'node:fs'
import { type Dispatcher, EnvHttpProxyAgent, ProxyAgent, fetch as undiciFetch } from 'undici'
import { afterAll, describe, it } from 'vitest'
import { parse } from '../../middleware/index.ts'
import { createClient } from '../../src/index.ts'
import { startProxy, type TestProxy } from '../support/proxy.ts'
import { sendJson, startServer } from '../support/server.ts'
import { CLI_TEST_TIMEOUT_MS, Scratch } from './harness.ts'

// ---- docs/proxy.md, "With undici's proxy agents" (without its imports) ----
/** A fetch for `createClient({ fetch })` that sends every request through `dispatcher`. */
function fetchThrough(dispatcher: Dispatcher) {
  return async (request: Request): Promise<Response> => {
    // ply hands fetch a Request of the runtime's own; undici's fetch is given its parts.
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      body: request.body === null ? null : await request.arrayBuffer(),
      redirect: request.redirect,
      signal: request.signal,
      dispatcher,
    })
    return response as unknown as Response
  }
}
// ---- end of the copy ----

const scratch = new Scratch()
afterAll(() => scratch.close(), CLI_TEST_TIMEOUT_MS)

async function proxy(): Promise<TestProxy> {
  const started = await startProxy()
  scratch.add(() => started.close())
  return started
}

describe('ply behind a proxy', { concurrent: false, timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it('sends an http: request through HTTP_PROXY', async ({ expect }) => {
    const [api, through] = await Promise.all([scratch.replica(), proxy()])
    const { code, stdout, stderr } = await scratch.child(['get', `${api.url}/users/octocat`, '--no-cache'], {
      env: { HTTP_PROXY: through.url },
    })
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(JSON.parse(stdout).login).toBe('octocat')
    expect(through.passed.map((call) => call.target)).toEqual([new URL(api.url).host])
    expect(api.requests.map((request) => request.path)).toEqual(['/users/octocat'])
  })

  it('reads the lowercase http_proxy too, for the presets as for ply get', async ({ expect }) => {
    const [api, through] = await Promise.all([scratch.replica(), proxy()])
    const { code, stdout } = await scratch.child(['github', 'user', 'octocat', '--base-url', api.url], {
      env: { http_proxy: through.url },
    })
    expect(code).toBe(0)
    expect(JSON.parse(stdout).login).toBe('octocat')
    expect(through.passed).toHaveLength(1)
  })

  it('goes direct to a host NO_PROXY lists', async ({ expect }) => {
    const [api, through] = await Promise.all([scratch.replica(), proxy()])
    const { code, stdout } = await scratch.child(['get', `${api.url}/users/octocat`, '--no-cache'], {
      env: { HTTP_PROXY: through.url, NO_PROXY: 'localhost,127.0.0.1' },
    })
    expect(code).toBe(0)
    expect(JSON.parse(stdout).login).toBe('octocat')
    expect(through.passed).toEqual([])
    expect(api.requests).toHaveLength(1)
  })

  it('opens a CONNECT tunnel through HTTPS_PROXY for an https: URL', async ({ expect }) => {
    // The target speaks plain HTTP, so TLS fails inside the tunnel: what counts is that the
    // tunnel to it went through the proxy.
    const [target, through] = await Promise.all([
      startServer((_req, res) => {
        res.end()
      }),
      proxy(),
    ])
    scratch.add(() => target.close())
    const { code, stderr } = await scratch.child(['get', `https://127.0.0.1:${target.port}/x`, '--retries', '0'], {
      env: { HTTPS_PROXY: through.url },
    })
    expect(code).toBe(1)
    expect(stderr).toMatch(/^ply: GET https:\/\/127\.0\.0\.1:\d+\/x /)
    expect(through.passed).toEqual([
      { kind: 'tunnel', method: 'CONNECT', target: `127.0.0.1:${target.port}`, url: undefined },
    ])
  })
})

describe('the library behind a proxy (docs/proxy.md)', { timeout: CLI_TEST_TIMEOUT_MS }, () => {
  it("is the page's example, copied verbatim", ({ expect }) => {
    const page = readFileSync(new URL('../../docs/proxy.md', import.meta.url), 'utf8')
    const block = [...page.matchAll(/```ts\n([\s\S]*?)```/g)]
      .map((match) => match[1] ?? '')
      .find((code) => code.includes('function fetchThrough('))
    expect(block).toBeDefined()
    const self = readFileSync(new URL(import.meta.url), 'utf8')
    const copy = /\/\/ ---- docs\/proxy\.md.*\n([\s\S]*?)\/\/ ---- end of the copy ----/.exec(self)?.[1] ?? ''
    const example = (block ?? '').replace(/^import [^\n]*\n/gm, '').split('\n\nconst ')[0] ?? ''
    expect(copy.trim()).toBe(example.trim())
  })

  it('goes through EnvHttpProxyAgent (absolute-form) and ProxyAgent (a CONNECT tunnel)', async ({ expect }) => {
    const api = await startServer((req, res) => sendJson(res, 200, { method: req.method, body: req.body }))
    scratch.add(() => api.close())
    const through = await proxy()
    const env = new EnvHttpProxyAgent({ httpProxy: through.url, noProxy: '' })
    const tunnel = new ProxyAgent({ uri: through.url, proxyTunnel: true })
    scratch.add(async () => {
      await Promise.all([env.close(), tunnel.close()])
    })

    const viaEnv = createClient({ baseUrl: api.url, fetch: fetchThrough(env) }).use(parse())
    const posted = await viaEnv.post<{ method: string; body: string }>('/things', { json: { a: 1 } })
    expect(posted.data).toEqual({ method: 'POST', body: '{"a":1}' })
    const viaTunnel = createClient({ baseUrl: api.url, fetch: fetchThrough(tunnel) }).use(parse())
    expect((await viaTunnel.get<{ method: string }>('/things')).data.method).toBe('GET')

    const host = new URL(api.url).host
    expect(through.passed).toEqual([
      { kind: 'forward', method: 'POST', target: host, url: `${api.url}/things` },
      { kind: 'tunnel', method: 'CONNECT', target: host, url: undefined },
    ])
    expect(api.requests).toHaveLength(2)
  })
})
