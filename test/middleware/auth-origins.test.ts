// Credentials stay with their origin: for each auth scheme, against two real loopback servers
// (A, the client's baseUrl, and B, another origin), a call to A is signed, a call to B is
// refused before anything is sent, sent unsigned on request, or signed when origins names B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, type Context, createClient, type Middleware } from '../../src/index.ts'
import { ACCESS_TOKEN, holdsCredential, SECRETS, schemes } from '../support/auth-schemes.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let a: TestServer
let b: TestServer

beforeAll(async () => {
  a = await startServer((req, res) => {
    if (req.url === '/token') {
      return sendJson(res, 200, { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 3600 })
    }
    sendJson(res, 200, { at: 'a' })
  })
  b = await startServer((_req, res) => sendJson(res, 200, { at: 'b' }))
})
afterAll(async () => {
  await a.close()
  await b.close()
})

/** Records what the prepare hooks and the auth middleware left on the context, seen from outside it. */
function spy(): { middleware: Middleware; seen: { scope?: string; headers?: string[]; query?: string[] }[] } {
  const seen: { scope?: string; headers?: string[]; query?: string[] }[] = []
  const middleware: Middleware = async (ctx: Context, next) => {
    const before = ctx.state.credentialScope
    await next()
    seen.push({
      ...(before === undefined ? {} : { scope: before }),
      ...(ctx.state.credentialHeaders ? { headers: [...ctx.state.credentialHeaders] } : {}),
      ...(ctx.state.credentialQuery ? { query: [...ctx.state.credentialQuery] } : {}),
    })
  }
  return { middleware, seen }
}

const SCHEMES = schemes(() => a.url)

for (const [name, scheme] of Object.entries(SCHEMES)) {
  describe(`${name}: bound to its origins`, () => {
    it('signs a call to the client’s baseUrl origin', async () => {
      await createClient({ baseUrl: a.url }).use(scheme.make()).get('/x')
      expect(scheme.carried(a.requests.at(-1) as never)).toBe(scheme.expected)
    })

    it('refuses an absolute URL to another origin with a ConfigError; B sees nothing, A sends nothing', async () => {
      const api = createClient({ baseUrl: a.url }).use(scheme.make())
      const [seenByA, seenByB] = [a.requests.length, b.requests.length]
      const error = await api.get(`${b.url}/steal`, { query: { q: 1 } }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      const { message, request } = error as ConfigError
      expect(message).toContain(`the call goes to ${b.url}, but this credential is bound to ${a.url}`)
      // Both ways out: name the origin, or send such calls unsigned.
      expect(message).toContain(`origins: ['${a.url}', '${b.url}']`)
      expect(message).toContain(`crossOrigin: 'unsigned'`)
      expect(request).toEqual({ method: 'GET', url: `${b.url}/steal?q=1` })
      for (const secret of SECRETS) expect(JSON.stringify(error)).not.toContain(secret)
      expect(b.requests.length).toBe(seenByB)
      // Not even a token request for oauth2.
      expect(a.requests.length).toBe(seenByA)
    })

    it('refuses client.fetch() to another origin the same way', async () => {
      const api = createClient({ baseUrl: a.url }).use(scheme.make())
      const before = b.requests.length
      const error = await api.fetch(`${b.url}/steal`).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toContain(`the call goes to ${b.url}`)
      expect(b.requests.length).toBe(before)
    })

    it("with crossOrigin: 'unsigned', B gets the call with no credential anywhere, unscoped", async () => {
      const { middleware, seen } = spy()
      const api = createClient({ baseUrl: a.url })
        .use(middleware)
        .use(scheme.make({ crossOrigin: 'unsigned' }))
      const response = await api.get(`${b.url}/public`, { query: { q: 1 } })
      expect(response.data).toEqual({ at: 'b' })
      const atB = b.requests.at(-1)
      expect(atB?.url).toBe('/public?q=1')
      expect(holdsCredential(atB as never)).toBe(false)
      // Neither cached nor de-duplicated as a signed call, nor stripped on a redirect as one.
      expect(seen.at(-1)).toEqual({})
      // Calls to A are still signed, and scoped.
      await api.get('/x')
      expect(scheme.carried(a.requests.at(-1) as never)).toBe(scheme.expected)
      expect(seen.at(-1)?.scope).toMatch(/^\w+:/)
    })

    it('signs a call to B when origins names it (and only the origins named)', async () => {
      const api = createClient({ baseUrl: a.url }).use(scheme.make({ origins: [b.url] }))
      await api.get(`${b.url}/x`)
      expect(scheme.carried(b.requests.at(-1) as never)).toBe(scheme.expected)
      // origins replaces the default: the client's own origin is no longer one of them.
      const before = a.requests.length
      await expect(api.get('/x')).rejects.toThrow(`bound to ${b.url};`)
      expect(a.requests.length).toBe(before)
    })

    it('takes origins as a function of the origin', async () => {
      const asked: string[] = []
      const onlyB = (origin: string): boolean => {
        asked.push(origin)
        return origin === b.url
      }
      const api = createClient({ baseUrl: a.url }).use(scheme.make({ origins: onlyB }))
      await api.get(`${b.url}/x`)
      expect(scheme.carried(b.requests.at(-1) as never)).toBe(scheme.expected)
      const error = await api.get('/x').catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toContain('bound to the origins its origins function accepts')
      expect(asked).toContain(b.url)
      expect(asked).toContain(a.url)
    })

    it('refuses, at use(), a client without a baseUrl unless origins are named', async () => {
      const error = (() => {
        try {
          createClient().use(scheme.make())
        } catch (e) {
          return e
        }
      })()
      expect(error).toBeInstanceOf(ConfigError)
      expect((error as Error).message).toMatch(
        /^auth\.\w+\(\): the client has no baseUrl, so this credential is bound to no origin; name the origins it may go to: auth\.\w+\(.*origins: \['https:\/\/api\.example\.com'\]/,
      )
      for (const secret of SECRETS) expect((error as Error).message).not.toContain(secret)
      await createClient()
        .use(scheme.make({ origins: [a.url] }))
        .get(`${a.url}/x`)
      expect(scheme.carried(a.requests.at(-1) as never)).toBe(scheme.expected)
    })

    it('refuses an origins entry that is not an origin, naming it', () => {
      expect(() => scheme.make({ origins: [a.url, `${b.url}/v1`] })).toThrow(
        new RegExp(`origins\\[1\\] '${b.url}/v1' is not an origin \\(it has a path\\)`),
      )
    })
  })
}
