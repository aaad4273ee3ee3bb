// Every factory of ply-http, ply-http/middleware, ply-http/presets and ply-http/redis refuses
// an option it does not know with a ConfigError naming it and the closest known one. The walk enumerates what the
// entries export: each function is in the table of factories, with a misspelling of one of its
// options, or exempt with a reason, so a new factory cannot skip the check. (The methods that
// take a call's options are walked in call-options.test.ts.)
import { describe, expect, it } from 'vitest'
import * as middleware from '../../middleware/index.ts'
import * as presets from '../../presets/index.ts'
import * as redis from '../../redis/index.ts'
import * as core from '../../src/index.ts'
import { failureOf, release } from '../support/refusal.ts'

/** A factory, called with minimal valid arguments and `extra` in its options object. */
interface Factory {
  readonly make: (extra: Record<string, unknown>) => unknown
  /** A misspelling of one of its options, and that option. */
  readonly misspelt: readonly [wrong: string, right: string]
  /** How the message names the factory. */
  readonly where: string
}

const TOKEN = 'unknown-options-token'
const oauth2 = {
  grant: 'client_credentials',
  tokenUrl: 'https://auth.example.com/token',
  clientId: 'id',
  clientSecret: 'unknown-options-secret',
} as const

const FACTORIES: Readonly<Record<string, Factory>> = {
  createClient: {
    make: (extra) => core.createClient(extra),
    misspelt: ['throwHttpError', 'throwHttpErrors'],
    where: 'createClient()',
  },
  Client: { make: (extra) => new core.Client(extra), misspelt: ['baseURL', 'baseUrl'], where: 'createClient()' },
  'auth.bearer': {
    make: (extra) => middleware.auth.bearer(TOKEN, extra),
    misspelt: ['scop', 'scope'],
    where: 'auth.bearer()',
  },
  'auth.basic': {
    make: (extra) => middleware.auth.basic('user', TOKEN, extra),
    misspelt: ['origin', 'origins'],
    where: 'auth.basic()',
  },
  'auth.apiKey': {
    make: (extra) => middleware.auth.apiKey({ header: 'X-Key', ...extra } as never, TOKEN),
    misspelt: ['heder', 'header'],
    where: 'auth.apiKey()',
  },
  'auth.oauth2': {
    make: (extra) => middleware.auth.oauth2({ ...oauth2, ...extra }),
    misspelt: ['clientSecert', 'clientSecret'],
    where: 'auth.oauth2()',
  },
  cache: { make: (extra) => middleware.cache(extra), misspelt: ['storeTimout', 'storeTimeout'], where: 'cache()' },
  MemoryStore: {
    make: (extra) => new middleware.MemoryStore(extra),
    misspelt: ['maxEntires', 'maxEntries'],
    where: 'new MemoryStore()',
  },
  circuitBreaker: {
    make: (extra) => middleware.circuitBreaker(extra),
    misspelt: ['failure', 'failures'],
    where: 'circuitBreaker()',
  },
  dedupe: { make: (extra) => middleware.dedupe(extra), misspelt: ['header', 'headers'], where: 'dedupe()' },
  log: { make: (extra) => middleware.log(extra), misspelt: ['writer', 'write'], where: 'log()' },
  parse: { make: (extra) => middleware.parse(extra), misspelt: ['parseJSON', 'parseJson'], where: 'parse()' },
  rateLimit: {
    make: (extra) => middleware.rateLimit(extra),
    misspelt: ['perSecnd', 'perSecond'],
    where: 'rateLimit()',
  },
  retry: { make: (extra) => middleware.retry(extra), misspelt: ['retires', 'retries'], where: 'retry()' },
  tracing: { make: (extra) => middleware.tracing(extra), misspelt: ['propogate', 'propagate'], where: 'tracing()' },
  github: { make: (extra) => presets.github(extra), misspelt: ['tokn', 'token'], where: 'github()' },
  GitHub: { make: (extra) => new presets.GitHub(extra), misspelt: ['userAgnet', 'userAgent'], where: 'github()' },
  openWeatherMap: {
    make: (extra) => presets.openWeatherMap({ apiKey: TOKEN, ...extra }),
    misspelt: ['unitz', 'units'],
    where: 'openWeatherMap()',
  },
  redisConnection: {
    // Opens nothing: its users connect on their first call.
    make: (extra) => redis.redisConnection({ url: 'redis://127.0.0.1:6390', ...extra }),
    misspelt: ['connectTimout', 'connectTimeout'],
    where: 'redisConnection()',
  },
  OpenWeatherMap: {
    make: (extra) => new presets.OpenWeatherMap({ apiKey: TOKEN, ...extra }),
    misspelt: ['perMinut', 'perMinute'],
    where: 'openWeatherMap()',
  },
}

const ERROR_CLASS = 'an error class (its options are ErrorOptions, built by ply and by middleware authors)'
const HELPER = 'a helper for middleware authors, not a factory'
const NO_OPTIONS = 'a factory that takes no options object'

/** Exported functions that are not option-taking factories, and why. */
const EXEMPT: Readonly<Record<string, string>> = {
  secondaryRateLimit: NO_OPTIONS,
  compose: 'takes an array of middlewares, no options object',
  PlyRequest: "the request inside the stack, built by the client from a call's checked options",
  ReplayedResponse: 'a Response over bytes, built by middlewares with a ResponseInit',
  ...Object.fromEntries(
    [
      ...['AbortError', 'AuthError', 'ConfigError', 'HttpError', 'NetworkError', 'ParseError', 'PlyError'],
      ...['RateLimitError', 'RedirectError', 'TimeoutError', 'GitHubError', 'OpenWeatherMapError'],
      ...['ClientClosedError', 'CircuitOpenError'],
    ].map((name) => [name, ERROR_CLASS]),
  ),
  ...Object.fromEntries(
    [
      ...['attemptBudget', 'closestName', 'credentialScope', 'deadlineError', 'decodeBase64', 'dedupeKey'],
      ...['describeFailure', 'detachContext', 'encodeBase64', 'encodeBase64Text', 'isConditional'],
      ...['isHttpError', 'isJsonType', 'isRateLimitRefusal', 'isSecretHeader', 'isSecretQueryParam'],
      ...['isSharedBytes', 'lineOf', 'mayHoldSecretParam', 'mediaType', 'nextLink', 'optionNames', 'parseBody'],
      ...['parseHttpDate', 'parseResponse', 'readBytes', 'readBytesUpTo', 'redactData', 'redactHeader'],
      ...['redactHeaders', 'redactMessage', 'redactQueryParam', 'redactText', 'redactUrl', 'redactUrlText'],
      ...['registerSecret', 'rejectUnknownCallOptions', 'rejectUnknownOptions', 'remainingTime'],
      ...['setCredentialScopeKey', 'sha256Base64Url', 'summarize', 'systemCode', 'unlessAborted'],
    ].map((name) => [name, HELPER]),
  ),
}

/** Every function the entries export, the `auth` namespace's members as `auth.<name>`. */
function exportedFunctions(): string[] {
  const names = new Set<string>()
  for (const entry of [core, middleware, presets, redis] as Record<string, unknown>[]) {
    for (const [name, value] of Object.entries(entry)) {
      if (typeof value === 'function') names.add(name)
    }
  }
  for (const [name, value] of Object.entries(middleware.auth)) {
    if (typeof value === 'function') names.add(`auth.${name}`)
  }
  return [...names].sort()
}

describe('the walk over the exported factories', () => {
  it('finds every exported function in the table of factories or among the exempt', () => {
    const unlisted = exportedFunctions().filter((name) => !(name in FACTORIES) && !(name in EXEMPT))
    expect(unlisted, 'add each to FACTORIES (with a misspelt option) or to EXEMPT (with why)').toEqual([])
  })

  it.each(Object.entries(FACTORIES))('%s refuses a misspelt option and names the one meant', async (_name, factory) => {
    const [wrong, right] = factory.misspelt
    await release(factory.make({}))
    const error = await failureOf(() => factory.make({ [wrong]: 1 }))
    expect(error).toBeInstanceOf(core.ConfigError)
    expect((error as Error).message).toBe(`${factory.where}: unknown option '${wrong}' (did you mean '${right}'?)`)
  })
})

describe('options nested in a factory’s options', () => {
  it.each([
    [
      'a rate limit group',
      () => middleware.rateLimit({ groups: { search: { perMinit: 30 } as never } }),
      "rateLimit() group 'search'",
      'perMinit',
      'perMinute',
    ],
    [
      "retry()'s budget",
      () => middleware.retry({ budget: { ratoi: 0.1 } as never }),
      'retry(): budget',
      'ratoi',
      'ratio',
    ],
    ["github()'s retry", () => presets.github({ retry: { retires: 1 } as never }), 'retry()', 'retires', 'retries'],
    [
      "openWeatherMap()'s retry",
      () => presets.openWeatherMap({ apiKey: TOKEN, retry: { maxDelai: 1 } as never }),
      'retry()',
      'maxDelai',
      'maxDelay',
    ],
  ] as const)('%s refuses one', async (_name, make, where, wrong, right) => {
    const error = await failureOf(make)
    expect(error).toBeInstanceOf(core.ConfigError)
    expect((error as Error).message).toBe(`${where}: unknown option '${wrong}' (did you mean '${right}'?)`)
  })
})
