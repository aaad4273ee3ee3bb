import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { auth, cache, circuitBreaker, dedupe, log, parse, rateLimit, retry, tracing } from '../../middleware/index.ts'
import { secondaryRateLimit } from '../../presets/github/secondary.ts'
import { github, openWeatherMap } from '../../presets/index.ts'
import { Client, ConfigError, compose, createClient, type Middleware, type Phase } from '../../src/index.ts'
import { ORDERED_PHASES, type OrderedPhase, PHASE_RULES, type PhaseRule } from '../../src/phases.ts'
import { sendJson, startServer, type TestServer } from '../support/server.ts'

let server: TestServer
beforeAll(async () => {
  server = await startServer((_req, res) => sendJson(res, 200, { ok: true }))
})
afterAll(() => server.close())

const BASE_URL = 'https://api.example.com'
const newClient = (): Client => createClient({ baseUrl: BASE_URL })

/** A shipped middleware of each ordered phase, and what the messages call it. */
const SHIPPED: Record<OrderedPhase, { make: () => Middleware; name: string }> = {
  parse: { make: () => parse(), name: 'parse()' },
  cache: { make: () => cache(), name: 'cache()' },
  dedupe: { make: () => dedupe(), name: 'dedupe()' },
  retry: { make: () => retry(), name: 'retry()' },
  circuit: { make: () => circuitBreaker(), name: 'circuitBreaker()' },
  limit: { make: () => rateLimit({ perSecond: 100 }), name: 'rateLimit()' },
  sign: { make: () => auth.bearer('token-of-the-phase-tests'), name: 'auth.bearer()' },
}

/** A middleware that passes calls through, of `phase` (or of none). */
function passing(name: string, phase?: Phase): Middleware {
  const middleware: Middleware = (_ctx, next) => next()
  if (phase !== undefined) middleware.phase = phase
  middleware.displayName = name
  return middleware
}

const RULES = Object.entries(PHASE_RULES) as [PhaseRule, string][]

describe('the phase table', () => {
  it('has a rule for every pair of ordered phases, the earlier one outside', () => {
    const pairs = ORDERED_PHASES.flatMap((outer, i) => ORDERED_PHASES.slice(i + 1).map((inner) => `${outer}>${inner}`))
    expect(Object.keys(PHASE_RULES).sort()).toEqual(pairs.sort())
  })

  it('is declared by each shipped middleware', () => {
    const phases = {
      'parse()': parse().phase,
      'cache()': cache().phase,
      'dedupe()': dedupe().phase,
      'retry()': retry().phase,
      'circuitBreaker()': circuitBreaker().phase,
      'rateLimit()': rateLimit({ perSecond: 1 }).phase,
      'secondaryRateLimit()': secondaryRateLimit().phase,
      'auth.bearer()': auth.bearer('t').phase,
      'auth.basic()': auth.basic('user', 'password').phase,
      'auth.apiKey()': auth.apiKey({ header: 'x-key' }, 'k').phase,
      'auth.oauth2()': auth.oauth2({
        grant: 'client_credentials',
        tokenUrl: `${BASE_URL}/token`,
        clientId: 'id',
        clientSecret: 's',
      }).phase,
      'log()': log({ write: () => {} }).phase,
      'tracing()': tracing().phase,
    }
    expect(phases).toEqual({
      'parse()': 'parse',
      'cache()': 'cache',
      'dedupe()': 'dedupe',
      'retry()': 'retry',
      'circuitBreaker()': 'circuit',
      'rateLimit()': 'limit',
      'secondaryRateLimit()': 'limit',
      'auth.bearer()': 'sign',
      'auth.basic()': 'sign',
      'auth.apiKey()': 'sign',
      'auth.oauth2()': 'sign',
      'log()': 'observe',
      'tracing()': 'observe',
    })
  })
})

describe('use() checks each rule of the table', () => {
  it('names both middlewares, why, and the order that works', () => {
    const client = newClient().use(rateLimit({ perSecond: 10 }))
    expect(() => client.use(retry())).toThrow(
      new ConfigError(
        'use(): rateLimit() is outside retry(): retries would not be rate limited; use retry() before rateLimit()',
      ),
    )
  })

  it.each(RULES)('%s: the wrong order is a ConfigError', (rule, reason) => {
    const [outer, inner] = rule.split('>') as [OrderedPhase, OrderedPhase]
    const client = newClient().use(SHIPPED[inner].make())
    const { name: outerName } = SHIPPED[outer]
    const { name: innerName } = SHIPPED[inner]
    expect(() => client.use(SHIPPED[outer].make())).toThrow(
      new ConfigError(`use(): ${innerName} is outside ${outerName}: ${reason}; use ${outerName} before ${innerName}`),
    )
  })

  it.each(RULES)('%s: the right order builds', (rule) => {
    const [outer, inner] = rule.split('>') as [OrderedPhase, OrderedPhase]
    expect(() => newClient().use(SHIPPED[outer].make()).use(SHIPPED[inner].make())).not.toThrow()
  })

  it('names the outermost middleware the new one should have been outside of', () => {
    const client = newClient()
      .use(rateLimit({ perSecond: 10 }))
      .use(auth.bearer('t'))
    expect(() => client.use(retry())).toThrow(/^use\(\): rateLimit\(\) is outside retry\(\)/)
  })

  it('leaves the stack as it was when it refuses a middleware', async () => {
    const client = createClient({ baseUrl: server.url }).use(rateLimit({ perSecond: 100 }))
    expect(() => client.use(retry())).toThrow(ConfigError)
    expect(client.callOptions.has('retry')).toBe(false)
    const response = await client.use(passing('after')).get('/')
    expect(response.data).toEqual({ ok: true })
  })

  it('builds the whole stack in the documented order, and it answers', async () => {
    const client = createClient({ baseUrl: server.url })
      .use(log({ write: () => {} }))
      .use(tracing())
      .use(parse())
      .use(cache())
      .use(dedupe())
      .use(retry())
      .use(circuitBreaker())
      .use(rateLimit({ perSecond: 100 }))
      .use(auth.bearer('t'))
    const response = await client.get('/')
    expect(response.data).toEqual({ ok: true })
  })

  it('allows two middlewares of one phase in a row: two signers for two origins, two limiters', () => {
    expect(() =>
      newClient()
        .use(retry())
        .use(rateLimit({ perSecond: 10 }))
        .use(rateLimit({ perMinute: 100 }))
        .use(auth.bearer('t'))
        .use(auth.apiKey({ header: 'x-key', origins: ['https://uploads.example.com'] }, 'k')),
    ).not.toThrow()
  })
})

describe("a middleware's own phase", () => {
  it('is accepted anywhere when it declares none', () => {
    const order = ORDERED_PHASES.map((phase) => SHIPPED[phase])
    for (let at = 0; at <= order.length; at++) {
      const client = newClient()
      order.forEach((shipped, index) => {
        if (index === at) client.use(passing('mine'))
        client.use(shipped.make())
      })
      if (at === order.length) client.use(passing('mine'))
      expect(client).toBeInstanceOf(Client)
    }
  })

  it('is accepted anywhere when it is observe, like log() and tracing()', () => {
    expect(() =>
      newClient()
        .use(log({ write: () => {} }))
        .use(parse())
        .use(retry())
        .use(passing('attempt timer', 'observe'))
        .use(auth.bearer('t'))
        .use(tracing()),
    ).not.toThrow()
  })

  it('is checked when it declares one, by its displayName or its function name', () => {
    const signer = passing('hmacSigner()', 'sign')
    expect(() => newClient().use(signer).use(retry())).toThrow(
      /^use\(\): hmacSigner\(\) is outside retry\(\): retries would resend/,
    )
    const myRetry: Middleware = (_ctx, next) => next()
    myRetry.phase = 'retry'
    expect(() =>
      newClient()
        .use(rateLimit({ perSecond: 1 }))
        .use(myRetry),
    ).toThrow(
      'use(): rateLimit() is outside myRetry: retries would not be rate limited; use myRetry before rateLimit()',
    )
    expect(() => newClient().use(myRetry).use(signer)).not.toThrow()
  })

  it('is refused when it is not a phase of the table', () => {
    const typo = passing('mine', 'retyr' as Phase)
    expect(() => newClient().use(typo)).toThrow(
      'use(): mine declares the phase "retyr"; a phase is one of observe, parse, cache, dedupe, retry, circuit, limit, sign',
    )
  })
})

describe('new Client(options, middlewares) and extend()', () => {
  it('checks the array in order', () => {
    expect(() => new Client({ baseUrl: BASE_URL }, [rateLimit({ perSecond: 1 }), retry()])).toThrow(
      new ConfigError(
        'new Client(): middlewares[1]: rateLimit() is outside retry(): retries would not be rate limited; put retry() before rateLimit()',
      ),
    )
    expect(() => new Client({ baseUrl: BASE_URL }, [retry(), rateLimit({ perSecond: 1 })])).not.toThrow()
  })

  it("checks an extend() child's use() against the stack it inherited", () => {
    const parent = newClient().use(parse()).use(retry())
    const child = parent.extend({ timeout: 1000 })
    expect(() => child.use(rateLimit({ perSecond: 1 }))).not.toThrow()
    expect(() => parent.extend().use(dedupe())).toThrow(
      'use(): retry() is outside dedupe(): the calls sharing one request would each retry it on their own, multiplying the retries; use dedupe() before retry()',
    )
  })
})

describe('compose()', () => {
  it("checks its members' order when it is made", () => {
    expect(() => compose([passing('mine'), auth.bearer('t'), retry()])).toThrow(
      new ConfigError(
        "compose(): middleware #2: auth.bearer() is outside retry(): retries would resend the first attempt's credential instead of being signed afresh; put retry() before auth.bearer()",
      ),
    )
  })

  it('is placed by its members: the outermost faces what is outside, the innermost what is inside', () => {
    const resilience = compose([retry(), rateLimit({ perSecond: 10 })])
    expect(() => newClient().use(parse()).use(resilience).use(auth.bearer('t'))).not.toThrow()
    expect(() => newClient().use(resilience).use(dedupe())).toThrow(
      /^use\(\): retry\(\) \(in a compose\(\)\) is outside dedupe\(\)/,
    )
    expect(() => newClient().use(auth.bearer('t')).use(resilience)).toThrow(
      "use(): auth.bearer() is outside retry() (in a compose()): retries would resend the first attempt's credential instead of being signed afresh; use retry() (in a compose()) before auth.bearer()",
    )
  })

  it('checks composed members inside a compose(), and one of no phase goes anywhere', () => {
    const inner = compose([rateLimit({ perSecond: 10 }), auth.bearer('t')])
    expect(() => compose([inner, retry()])).toThrow(/rateLimit\(\) \(in a compose\(\)\) is outside retry\(\)/)
    const plain = compose([passing('a'), log({ write: () => {} })])
    expect(() =>
      newClient()
        .use(auth.bearer('t'))
        .use(plain)
        .use(compose([plain])),
    ).not.toThrow()
  })
})

describe("the presets' stacks", () => {
  it('build through use(), with log(), tracing() and middlewares of no phase outside them', async () => {
    const outer = [log({ write: () => {} }), tracing(), passing('metrics')]
    const gh = github({ token: 't', baseUrl: BASE_URL, cache: false, outer })
    const owm = openWeatherMap({ apiKey: 'k', baseUrl: BASE_URL, outer })
    expect(gh.client).toBeInstanceOf(Client)
    expect(owm.client).toBeInstanceOf(Client)
    await Promise.all([gh.close(), owm.close()])
  })

  it('refuse in outer a middleware that must be inside their stack, saying which option to use', () => {
    expect(() => github({ baseUrl: BASE_URL, outer: [log({ write: () => {} }), retry()] })).toThrow(
      /^github\(\): outer\[1\] is retry\(\) of the retry phase, which must be inside the preset's own stack/,
    )
    expect(() => openWeatherMap({ apiKey: 'k', outer: [auth.bearer('t')] })).toThrow(
      /^openWeatherMap\(\): outer\[0\] is auth\.bearer\(\) of the sign phase/,
    )
  })

  it('refuse a composed outer whose members must be inside their stack', () => {
    const composed = compose([log({ write: () => {} }), retry()])
    expect(() => github({ baseUrl: BASE_URL, outer: [composed] })).toThrow(
      /retry\(\) \(in a compose\(\)\) is outside parse\(\)/,
    )
  })
})
