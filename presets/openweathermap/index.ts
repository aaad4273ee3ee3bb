import { auth, dedupe, parse, type RateLimitMiddleware, rateLimit, retry } from '../../middleware/index.ts'
import type { Quota } from '../../src/index.ts'
import { type ApiResponse, type Client, createClient } from '../../src/index.ts'
import { optionNames } from '../../src/kit.ts'
import { presetStorage } from '../shared/cache.ts'
import { rejectUnknownPresetCallOptions } from '../shared/call-options.ts'
import { type Closable, type PresetCallOptions, useOuter } from '../shared/options.ts'
import { tagOf } from '../shared/tag.ts'
import { withNumericCod } from './cod.ts'
import { openWeatherMapErrorOf } from './errors.ts'
import {
  checkLang,
  checkOpenWeatherMapOptions,
  checkUnits,
  OPENWEATHERMAP_DEFAULTS,
  type OpenWeatherMapOptions,
  type Units,
} from './options.ts'
import { type Place, placeQuery } from './place.ts'
import type { CurrentWeather, Forecast, WeatherCallOptions } from './types.ts'

export { OpenWeatherMapError, type OpenWeatherMapErrorBody } from './errors.ts'
export type { OpenWeatherMapOptions, Units } from './options.ts'
export type { Place, PlaceQuery } from './place.ts'
export type * from './types.ts'

/**
 * The statuses the preset retries: not 429. OpenWeatherMap answers a spent per-minute quota
 * with 429 and no `Retry-After`, and the block lasts for the rest of the minute: a retry a
 * second later would fail too. The limiter is what keeps calls under the plan.
 */
const RETRIED_STATUSES = [408, 425, 500, 502, 503, 504]
/** What `WeatherCallOptions` adds to a call's options. */
const WEATHER_CALL_OPTIONS: ReadonlySet<string> = new Set(
  optionNames<Omit<WeatherCallOptions, keyof PresetCallOptions>>()(['units', 'lang']),
)

/**
 * An OpenWeatherMap client: ply's stack assembled for OpenWeatherMap's free-plan APIs (parse, a
 * 10-minute cache, dedupe, retry, the plan's calls a minute, the key as `appid`), with typed
 * current weather and 5 day / 3 hour forecast.
 */
export class OpenWeatherMap implements Closable {
  /** The ply client underneath, for `fetch`, `extend` or endpoints the methods do not cover. */
  readonly client: Client
  readonly #limiter: RateLimitMiddleware
  readonly #units: Units
  readonly #lang: string | undefined

  constructor(options: OpenWeatherMapOptions) {
    checkOpenWeatherMapOptions(options)
    const baseUrl = options.baseUrl ?? OPENWEATHERMAP_DEFAULTS.baseUrl
    this.#units = options.units ?? OPENWEATHERMAP_DEFAULTS.units
    this.#lang = options.lang
    this.client = createClient({ baseUrl, timeout: options.timeout, fetch: options.fetch })
    const { apiKey } = options
    const keyTag = typeof apiKey === 'string' ? tagOf(apiKey) : 'key'
    // OpenWeatherMap sends no caching headers and updates its data at most every 10 minutes.
    const storage = presetStorage(
      options,
      'openWeatherMap',
      () => `openweathermap:${new URL(baseUrl).host}:${keyTag}`,
      {
        ttl: OPENWEATHERMAP_DEFAULTS.ttl,
      },
    )
    this.#limiter = rateLimit({
      perMinute: options.perMinute ?? OPENWEATHERMAP_DEFAULTS.perMinute,
      ...(storage.shared ? { shared: storage.shared } : {}),
    })
    useOuter(this.client, options.outer, 'openWeatherMap()')
    this.client.use(parse())
    if (storage.cache) this.client.use(storage.cache)
    this.client
      .use(dedupe())
      .use(
        retry({
          statuses: RETRIED_STATUSES,
          ...options.retry,
        }),
      )
      .use(this.#limiter)
      // The key goes to the API's origin and nowhere else, an `extend()` child's baseUrl included.
      .use(auth.apiKey({ query: 'appid', origins: [new URL(baseUrl).origin] }, apiKey))
  }

  /**
   * `GET /data/2.5/weather`: the weather now at `place`, in the call's units (else the
   * preset's). Answers are cached for 10 minutes. Errors: `OpenWeatherMapError` (an
   * `HttpError`; a 404 says `city not found`), `AuthError` for a rejected key,
   * `RateLimitError` for a spent quota, `ConfigError` for a bad place (before any request).
   */
  current(place: Place, options?: WeatherCallOptions): Promise<ApiResponse<CurrentWeather>> {
    return this.#get<CurrentWeather>('/data/2.5/weather', place, options, 'current()')
  }

  /**
   * `GET /data/2.5/forecast`: 5 days in 3-hour steps at `place`, in the call's units (else the
   * preset's). Cached and failing as `current()`.
   */
  forecast(place: Place, options?: WeatherCallOptions): Promise<ApiResponse<Forecast>> {
    return this.#get<Forecast>('/data/2.5/forecast', place, options, 'forecast()')
  }

  /**
   * What the last responses said about the quota (limit, remaining, reset). OpenWeatherMap
   * itself sends no quota headers, so this stays empty unless a proxy in front of it does.
   */
  quota(): Quota {
    return this.#limiter.quota()
  }

  /**
   * Closes the client underneath (`client.close()`): later calls reject with a
   * `ClientClosedError`, the cache's pending writes land, and the Redis connections ply opened
   * (shared limits, cache store) end, so the process can exit. Idempotent; `await using`
   * calls it too.
   */
  close(): Promise<void> {
    return this.client.close()
  }

  /** `await using weather = openWeatherMap(…)` closes it when the block ends: `close()`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  async #get<T>(
    path: string,
    place: Place,
    options: WeatherCallOptions | undefined,
    where: string,
  ): Promise<ApiResponse<T>> {
    rejectUnknownPresetCallOptions(`openWeatherMap ${where}`, options, this.client, WEATHER_CALL_OPTIONS)
    const { units = this.#units, lang = this.#lang, ...call } = options ?? {}
    checkUnits(units, `openWeatherMap ${where}`)
    checkLang(lang, `openWeatherMap ${where}`)
    const query = { ...placeQuery(place), units, ...(lang === undefined ? {} : { lang }) }
    try {
      const response = await this.client.get<T>(path, { ...call, query })
      return { ...response, data: withNumericCod(response.data) }
    } catch (error) {
      throw openWeatherMapErrorOf(error)
    }
  }
}

/** Creates an OpenWeatherMap client; see `OpenWeatherMap`. */
export function openWeatherMap(options: OpenWeatherMapOptions): OpenWeatherMap {
  return new OpenWeatherMap(options)
}
