import type { CredentialSource, RetryOptions } from '../../middleware/index.ts'
import { refuseReplacedCallbacks } from '../../middleware/shared/replaced-callbacks.ts'
import { ConfigError } from '../../src/index.ts'
import { optionNames, rejectUnknownOptions } from '../../src/kit.ts'
import { PRESET_OPTIONS, type PresetOptions } from '../shared/options.ts'

/** OpenWeatherMap's units: `standard` (Kelvin, m/s), `metric` (°C, m/s), `imperial` (°F, mph). */
export type Units = 'standard' | 'metric' | 'imperial'

/** Options of `openWeatherMap()`. */
export interface OpenWeatherMapOptions extends PresetOptions {
  /**
   * The API key (https://home.openweathermap.org/api_keys), or a (possibly async) function
   * returning one, called per attempt. Sent as the `appid` query parameter, and never shown in
   * an error, a log line or a cache key.
   */
  apiKey: CredentialSource
  /** The units of every call unless a call names its own (default `standard`: Kelvin, as OpenWeatherMap). */
  units?: Units | undefined
  /** The language of `weather[].description` (`en`, `fr`, `zh_cn`, …) unless a call names its own. */
  lang?: string | undefined
  /** The API's root (default `https://api.openweathermap.org`): a replica or a proxy. */
  baseUrl?: string | undefined
  /** Calls a minute the key's plan allows (default 60, the free plan's). */
  perMinute?: number | undefined
  /** Retry options on top of the preset's (2 retries of network errors, timeouts, 5xx; see the docs for 429). */
  retry?: RetryOptions | undefined
}

/** The defaults `openWeatherMap()` fills in. */
export const OPENWEATHERMAP_DEFAULTS = {
  baseUrl: 'https://api.openweathermap.org',
  units: 'standard',
  perMinute: 60,
  /** OpenWeatherMap sends no caching headers and refreshes its data at most every 10 minutes. */
  ttl: 600_000,
} as const

const UNITS: readonly string[] = ['standard', 'metric', 'imperial']
const OPENWEATHERMAP_OPTIONS = optionNames<OpenWeatherMapOptions>()([
  ...PRESET_OPTIONS,
  'apiKey',
  'units',
  'lang',
  'perMinute',
  'retry',
])

/**
 * Checks the options that only `openWeatherMap()` has, and refuses one it does not know; the
 * client and the middlewares check the rest.
 */
export function checkOpenWeatherMapOptions(options: OpenWeatherMapOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigError('openWeatherMap() options must be an object with an apiKey')
  }
  refuseReplacedCallbacks('openWeatherMap()', options)
  rejectUnknownOptions('openWeatherMap()', options, OPENWEATHERMAP_OPTIONS)
  const { apiKey } = options
  if (typeof apiKey !== 'function' && (typeof apiKey !== 'string' || apiKey.trim() === '')) {
    throw new ConfigError(
      'openWeatherMap(): apiKey is required: get a key at https://home.openweathermap.org/api_keys and pass it ' +
        'as apiKey (the CLI and the demo read OPENWEATHER_API_KEY)',
    )
  }
  checkUnits(options.units, 'openWeatherMap()')
  checkLang(options.lang, 'openWeatherMap()')
}

/** Checks a `units` option (the preset's or a call's); `where` names the caller in the error. */
export function checkUnits(units: unknown, where: string): asserts units is Units | undefined {
  if (units !== undefined && !(typeof units === 'string' && UNITS.includes(units))) {
    throw new ConfigError(`${where}: units must be 'standard', 'metric' or 'imperial', got ${describe(units)}`)
  }
}

/** Checks a `lang` option: a language code such as `en`, `pt_br` or `zh_cn`. */
export function checkLang(lang: unknown, where: string): asserts lang is string | undefined {
  if (lang !== undefined && !(typeof lang === 'string' && /^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,4})?$/.test(lang))) {
    throw new ConfigError(
      `${where}: lang must be a language code such as 'en', 'pt_br' or 'zh_cn', got ${describe(lang)}`,
    )
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value)
}
