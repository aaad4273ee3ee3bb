import { setTimeout as realWait } from 'node:timers/promises'
import { inspect } from 'node:util'
import nock from 'nock'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type Replica, startReplica } from '../../examples/replica/index.ts'
import { type LimitedEvent, MemoryStore } from '../../middleware/index.ts'
import {
  type OpenWeatherMap,
  OpenWeatherMapError,
  type OpenWeatherMapOptions,
  openWeatherMap,
  type Place,
} from '../../presets/index.ts'
import { AuthError, ConfigError, HttpError, RateLimitError } from '../../src/index.ts'
import { useNock } from '../support/nock.ts'
import { busiestWindow } from '../support/windows.ts'

// Response bodies as OpenWeatherMap documents them (openweathermap.org/current, /forecast5).
const API = 'https://api.openweathermap.org'
const KEY = 'owm_nock_key_0123456789abcdef'
const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' }
const INVALID_KEY = 'Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.'
const zocca = {
  coord: { lon: 10.99, lat: 44.34 },
  weather: [{ id: 501, main: 'Rain', description: 'moderate rain', icon: '10d' }],
  base: 'stations',
  main: {
    temp: 298.48,
    feels_like: 298.74,
    temp_min: 297.56,
    temp_max: 300.05,
    pressure: 1015,
    humidity: 64,
    sea_level: 1015,
    grnd_level: 933,
  },
  visibility: 10000,
  wind: { speed: 0.62, deg: 349, gust: 1.18 },
  rain: { '1h': 3.16 },
  clouds: { all: 100 },
  dt: 1661870592,
  sys: { type: 2, id: 2075663, country: 'IT', sunrise: 1661834187, sunset: 1661882248 },
  timezone: 7200,
  id: 3163858,
  name: 'Zocca',
  cod: 200,
}
const zoccaForecast = {
  cod: '200',
  message: 0,
  cnt: 1,
  list: [
    {
      dt: 1661871600,
      main: {
        temp: 296.76,
        feels_like: 296.98,
        temp_min: 296.76,
        temp_max: 297.87,
        pressure: 1015,
        sea_level: 1015,
        grnd_level: 933,
        humidity: 69,
        temp_kf: -1.11,
      },
      weather: [{ id: 500, main: 'Rain', description: 'light rain', icon: '10d' }],
      clouds: { all: 100 },
      wind: { speed: 0.62, deg: 349, gust: 1.18 },
      visibility: 10000,
      pop: 0.32,
      rain: { '3h': 0.26 },
      sys: { pod: 'd' },
      dt_txt: '2022-08-30 15:00:00',
    },
  ],
  city: {
    id: 3163858,
    name: 'Zocca',
    coord: { lat: 44.34, lon: 10.99 },
    country: 'IT',
    population: 4593,
    timezone: 7200,
    sunrise: 1661834187,
    sunset: 1661882248,
  },
}

useNock()
afterEach(() => {
  vi.useRealTimers()
})

/** An OpenWeatherMap client with no cache, so that every call reaches nock. */
const client = (options: Partial<OpenWeatherMapOptions> = {}) =>
  openWeatherMap({ apiKey: KEY, cache: false, ...options })

/** Every text a user could log or show for an error, its causes included. */
const texts = (error: unknown): string[] => {
  const all: string[] = []
  for (let e = error; e instanceof Error; e = e.cause) {
    all.push(String(e), e.message, JSON.stringify(e), inspect(e, { depth: 5 }))
    if (e instanceof HttpError || e instanceof AuthError) all.push(e.request?.url ?? '')
  }
  return all
}

describe('openWeatherMap() requests', () => {
  it('current() sends q, appid and units, and returns the typed weather with cod a number', async () => {
    const scope = nock(API)
      .get('/data/2.5/weather')
      .query({ q: 'Zocca', appid: KEY, units: 'standard' })
      .reply(200, zocca, JSON_HEADERS)
    const now = await client().current('Zocca')
    expect(now.status).toBe(200)
    expect(now.data.main.temp).toBe(298.48)
    expect(now.data.weather[0]?.description).toBe('moderate rain')
    expect(now.data.rain?.['1h']).toBe(3.16)
    expect(now.data.cod).toBe(200)
    expect(now.url).not.toContain(KEY)
    expect(scope.isDone()).toBe(true)
  })

  it('each Place form becomes the query OpenWeatherMap reads', async () => {
    const cases: [Place, Record<string, string>][] = [
      ['  London,GB ', { q: 'London,GB' }],
      [{ city: 'London', country: 'GB' }, { q: 'London,GB' }],
      [{ city: 'London' }, { q: 'London' }],
      [
        { lat: 51.5085, lon: -0.1257 },
        { lat: '51.5085', lon: '-0.1257' },
      ],
      [
        { lat: -90, lon: 180 },
        { lat: '-90', lon: '180' },
      ],
      [{ zip: '94040', country: 'US' }, { zip: '94040,US' }],
      [{ zip: 'EC1A' }, { zip: 'EC1A' }],
    ]
    const scope = nock(API)
    for (const [, query] of cases) {
      scope
        .get('/data/2.5/weather')
        .query({ ...query, appid: KEY, units: 'standard' })
        .reply(200, zocca, JSON_HEADERS)
    }
    const owm = client()
    for (const [place] of cases) expect((await owm.current(place)).status).toBe(200)
    expect(scope.isDone()).toBe(true)
  })

  it("sends the preset's units and lang, and a call's own instead", async () => {
    const scope = nock(API)
      .get('/data/2.5/weather')
      .query({ q: 'Paris', appid: KEY, units: 'metric', lang: 'fr' })
      .reply(200, zocca, JSON_HEADERS)
      .get('/data/2.5/weather')
      .query({ q: 'Paris', appid: KEY, units: 'imperial', lang: 'zh_cn' })
      .reply(200, zocca, JSON_HEADERS)
    const owm = client({ units: 'metric', lang: 'fr' })
    await owm.current('Paris')
    await owm.current('Paris', { units: 'imperial', lang: 'zh_cn' })
    expect(scope.isDone()).toBe(true)
  })

  it('forecast() sends the same query and turns its string cod "200" into 200', async () => {
    const scope = nock(API)
      .get('/data/2.5/forecast')
      .query({ lat: '44.34', lon: '10.99', appid: KEY, units: 'metric' })
      .reply(200, zoccaForecast, JSON_HEADERS)
    const forecast = await client({ units: 'metric' }).forecast({ lat: 44.34, lon: 10.99 })
    expect(forecast.data.cod).toBe(200)
    expect(forecast.data.cnt).toBe(1)
    expect(forecast.data.list[0]?.main.temp_kf).toBe(-1.11)
    expect(forecast.data.list[0]?.sys.pod).toBe('d')
    expect(forecast.data.city.name).toBe('Zocca')
    expect(scope.isDone()).toBe(true)
  })

  it('a key function is asked per call, so a rotated key is used from the next call', async () => {
    const keys = ['owm_key_one_0123456789', 'owm_key_two_0123456789']
    let turn = 0
    const scope = nock(API)
      .get('/data/2.5/weather')
      .query({ q: 'Zocca', appid: keys[0], units: 'standard' })
      .reply(200, zocca, JSON_HEADERS)
      .get('/data/2.5/weather')
      .query({ q: 'Zocca', appid: keys[1], units: 'standard' })
      .reply(200, zocca, JSON_HEADERS)
    const owm = client({ apiKey: async () => keys[Math.min(turn, 1)] as string })
    await owm.current('Zocca')
    turn = 1
    await owm.current('Zocca')
    expect(scope.isDone()).toBe(true)
  })
})

describe('openWeatherMap() cache', () => {
  it('a repeat within 10 minutes is a hit without a request; after 10 minutes it asks again', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    let requests = 0
    nock(API)
      .get('/data/2.5/weather')
      .query({ q: 'Zocca', appid: KEY, units: 'standard' })
      .times(2)
      .reply(() => {
        requests += 1
        return [200, zocca, JSON_HEADERS]
      })
      .get('/data/2.5/weather')
      .query({ q: 'Zocca', appid: KEY, units: 'metric' })
      .reply(200, zocca, JSON_HEADERS)
    const owm = openWeatherMap({ apiKey: KEY, cache: new MemoryStore() })
    expect((await owm.current('Zocca')).cacheStatus).toBe('miss')
    vi.setSystemTime(Date.now() + 9 * 60_000)
    const again = await owm.current('Zocca')
    expect(again.cacheStatus).toBe('hit')
    expect(again.data.cod).toBe(200)
    expect(requests).toBe(1)
    // Other units are another answer, not the cached one.
    expect((await owm.current('Zocca', { units: 'metric' })).cacheStatus).toBe('miss')
    vi.setSystemTime(Date.now() + 60_001)
    expect((await owm.current('Zocca')).cacheStatus).toBe('miss')
    expect(requests).toBe(2)
  })
})

describe('openWeatherMap() errors', () => {
  it('a 401 is an AuthError with OpenWeatherMap’s message, and the key is nowhere in it', async () => {
    nock(API).get('/data/2.5/weather').query(true).reply(401, { cod: 401, message: INVALID_KEY }, JSON_HEADERS)
    const error = await client()
      .current('Zocca')
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).status).toBe(401)
    expect((error as AuthError).message).toContain('OpenWeatherMap rejected the API key: Invalid API key')
    const cause = (error as AuthError).cause
    expect(cause).toBeInstanceOf(OpenWeatherMapError)
    expect((cause as OpenWeatherMapError).cod).toBe(401)
    for (const text of texts(error)) expect(text).not.toContain(KEY)
  })

  it('a 404 is an OpenWeatherMapError (an HttpError) with cod 404 and "city not found"', async () => {
    nock(API).get('/data/2.5/weather').query(true).reply(404, { cod: '404', message: 'city not found' }, JSON_HEADERS)
    const error = await client()
      .current({ city: 'Atlantis' })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenWeatherMapError)
    expect(error).toBeInstanceOf(HttpError)
    const owm404 = error as OpenWeatherMapError
    expect(owm404.status).toBe(404)
    expect(owm404.cod).toBe(404)
    expect(owm404.owmMessage).toBe('city not found')
    expect(owm404.message).toContain('city not found')
    expect(owm404.data).toEqual({ cod: 404, message: 'city not found' })
    for (const text of texts(error)) expect(text).not.toContain(KEY)
  })

  it('another status is an OpenWeatherMapError with OpenWeatherMap’s message', async () => {
    nock(API).get('/data/2.5/forecast').query(true).reply(400, { cod: '400', message: 'wrong latitude' }, JSON_HEADERS)
    const error = await client()
      .forecast({ lat: 1, lon: 1 })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OpenWeatherMapError)
    expect((error as OpenWeatherMapError).cod).toBe(400)
    expect((error as OpenWeatherMapError).message).toMatch(/^OpenWeatherMap: HTTP 400 wrong latitude/)
  })

  it('a 429 is a RateLimitError a minute ahead, or as Retry-After says, at once and without a retry', async () => {
    const blocked = {
      cod: 429,
      message:
        'Your account is temporary blocked due to exceeding of requests limitation of your subscription type. ' +
        'Please choose the proper subscription http://openweathermap.org/price',
    }
    let requests = 0
    nock(API)
      .get('/data/2.5/weather')
      .query(true)
      .reply(() => {
        requests += 1
        return [429, blocked, JSON_HEADERS]
      })
      .get('/data/2.5/weather')
      .query(true)
      .reply(() => {
        requests += 1
        return [429, blocked, { ...JSON_HEADERS, 'retry-after': '5' }]
      })
    const minute = await client()
      .current('Zocca')
      .catch((e: unknown) => e)
    expect(minute).toBeInstanceOf(RateLimitError)
    expect(Math.abs(((minute as RateLimitError).resetAt?.getTime() ?? 0) - (Date.now() + 60_000))).toBeLessThan(2_000)
    expect((minute as RateLimitError).cause).toBeInstanceOf(OpenWeatherMapError)
    expect(requests).toBe(1)
    const told = await client()
      .current('Zocca')
      .catch((e: unknown) => e)
    expect(Math.abs(((told as RateLimitError).resetAt?.getTime() ?? 0) - (Date.now() + 5_000))).toBeLessThan(2_000)
    expect(requests).toBe(2)
    for (const text of [...texts(minute), ...texts(told)]) expect(text).not.toContain(KEY)
  })
})

describe('openWeatherMap() options', () => {
  it('without a key: a ConfigError that says where to get one and how to pass it', () => {
    for (const apiKey of [undefined, '', '   ', 42]) {
      const make = () => openWeatherMap({ apiKey } as unknown as OpenWeatherMapOptions)
      expect(make).toThrow(ConfigError)
      expect(make).toThrow(/https:\/\/home\.openweathermap\.org\/api_keys.*apiKey.*OPENWEATHER_API_KEY/)
    }
  })

  it('bad units, lang, perMinute or baseUrl are ConfigErrors naming the option', () => {
    const units = 'celsius' as unknown as 'metric'
    expect(() => client({ units })).toThrow(/units must be 'standard', 'metric' or 'imperial', got 'celsius'/)
    expect(() => client({ lang: 'en us' })).toThrow(ConfigError)
    expect(() => client({ perMinute: 0 })).toThrow(/perMinute/)
    expect(() => client({ baseUrl: 'not a url' })).toThrow(ConfigError)
  })

  it('a bad place or a call’s bad units are ConfigErrors, before any request', async () => {
    const sent: unknown[] = []
    const record = (request: unknown) => sent.push(request)
    nock.emitter.on('no match', record)
    const owm = client()
    const places = [
      '',
      '   ',
      { city: '' },
      { city: 'London', country: ' ' },
      { zip: '' },
      { lat: 90.5, lon: 0 },
      { lat: 0, lon: -181 },
      { lat: Number.NaN, lon: 0 },
      { lat: 0, lon: Number.POSITIVE_INFINITY },
      { lat: 10 },
      { city: 'London', lat: 1, lon: 1 },
      {},
      null,
    ] as unknown as Place[]
    try {
      for (const place of places) {
        await expect(owm.current(place), JSON.stringify(place)).rejects.toBeInstanceOf(ConfigError)
      }
      await expect(owm.forecast({ lat: 91, lon: 0 })).rejects.toThrow(/lat must be a number from -90 to 90, got 91/)
      const units = 'kelvin' as unknown as 'standard'
      await expect(owm.current('London', { units })).rejects.toThrow(/units must be/)
      expect(sent).toEqual([])
    } finally {
      nock.emitter.removeListener('no match', record)
    }
  })
})

describe('openWeatherMap() against the replica', () => {
  const REPLICA_KEY = 'owm_replica_key'
  let replica: Replica
  let owm: OpenWeatherMap | undefined

  afterEach(async () => {
    vi.useRealTimers()
    await owm?.close()
    owm = undefined
    await replica.close()
  })

  /** Advances the fake clock in steps until `done()` or `limitMs`, letting real I/O run between steps. */
  async function advanceUntil(done: () => boolean, limitMs: number, step = 500): Promise<void> {
    for (let elapsed = 0; elapsed < limitMs && !done(); elapsed += step) {
      await vi.advanceTimersByTimeAsync(step)
      await realWait(2)
    }
  }

  it('current() and forecast() return typed data for each place form', async () => {
    replica = await startReplica()
    owm = openWeatherMap({ apiKey: REPLICA_KEY, baseUrl: replica.url, units: 'metric' })
    const london = await owm.current('London,GB')
    expect(london.data.name).toBe('London')
    expect(london.data.sys.country).toBe('GB')
    expect(london.data.cod).toBe(200)
    expect(london.data.main.temp).toBeGreaterThan(-40)
    expect(london.data.main.temp).toBeLessThan(50)
    expect((await owm.current({ lat: 35.7, lon: 139.7 })).data.name).toBe('Tokyo')
    const paris = await owm.forecast({ zip: '75001', country: 'FR' })
    expect(paris.data.cod).toBe(200)
    expect(paris.data.city.name).toBe('Paris')
    expect(paris.data.list).toHaveLength(paris.data.cnt)
    expect(paris.data.list[0]?.dt_txt).toMatch(/^\d{4}-\d\d-\d\d \d\d:00:00$/)
    expect(replica.requests.map((seen) => new URLSearchParams(seen.query).get('appid'))).toEqual([
      REPLICA_KEY,
      REPLICA_KEY,
      REPLICA_KEY,
    ])
  })

  it('OWM 60/minute holds for 61 calls: the 61st waits for the window instead of meeting a 429', async () => {
    replica = await startReplica()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] })
    const limited: LimitedEvent[] = []
    const api = openWeatherMap({ apiKey: REPLICA_KEY, baseUrl: replica.url })
    api.client.on('rateLimited', (e) => limited.push(e))
    owm = api
    // 61 places, so that the cache answers none of them.
    const place = (i: number): Place => ({ lat: 40 + i / 10, lon: i / 10 })
    const first = await Promise.all(Array.from({ length: 60 }, (_, i) => api.current(place(i))))
    expect(first.every((response) => response.status === 200)).toBe(true)
    let done = false
    const last = api.current(place(60)).finally(() => {
      done = true
    })
    await advanceUntil(() => done, 55_000)
    expect(done).toBe(false)
    await advanceUntil(() => done, 10_000)
    expect((await last).status).toBe(200)
    const times = replica.requests.map((seen) => seen.at)
    expect(replica.requests.map((seen) => seen.status)).toEqual(Array(61).fill(200))
    expect(busiestWindow(times, 60_000)).toBeLessThanOrEqual(60)
    expect((times[60] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(60_000)
    expect(limited).toHaveLength(1)
    expect(limited[0]?.reason).toBe('window')
  })

  it('a 503 is retried transparently', async () => {
    replica = await startReplica()
    owm = openWeatherMap({ apiKey: REPLICA_KEY, baseUrl: replica.url })
    replica.failNext(1, { status: 503 })
    const paris = await owm.current({ city: 'Paris', country: 'FR' })
    expect(paris.data.name).toBe('Paris')
    expect(paris.attempts).toBe(2)
    expect(replica.requests.map((seen) => seen.status)).toEqual([503, 200])
  })

  it('its error bodies map to OpenWeatherMapError, AuthError and RateLimitError', async () => {
    replica = await startReplica({ owm: { perMinute: 2 } })
    owm = openWeatherMap({ apiKey: REPLICA_KEY, baseUrl: replica.url })
    const missing = await owm.current('Atlantis').catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(OpenWeatherMapError)
    expect((missing as OpenWeatherMapError).cod).toBe(404)
    expect((missing as OpenWeatherMapError).owmMessage).toBe('city not found')
    const noZip = await owm.forecast({ zip: '00000' }).catch((e: unknown) => e)
    expect((noZip as OpenWeatherMapError).status).toBe(404)
    expect((noZip as OpenWeatherMapError).cod).toBe(404)
    // The replica allows this key 2 calls a minute; the preset thinks 60.
    const blocked = await owm.current('Tokyo').catch((e: unknown) => e)
    expect(blocked).toBeInstanceOf(RateLimitError)
    expect(((blocked as RateLimitError).cause as OpenWeatherMapError).cod).toBe(429)
    const wrongKey = 'owm_not_a_key_987654321'
    const stranger = openWeatherMap({ apiKey: wrongKey, baseUrl: replica.url })
    const refused = await stranger.current('London').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(AuthError)
    expect((refused as AuthError).message).toContain('Invalid API key')
    for (const text of texts(refused)) expect(text).not.toContain(wrongKey)
    await stranger.close()
  })
})
