import { type Incoming, jsonReply, type Reply } from './http.ts'
import { CITIES, type City, describe, isDaytime, type Sample, sunTimes, weatherAt } from './owm-data.ts'

/** How the OpenWeatherMap half of the replica behaves (see `ReplicaOptions.owm`). */
export interface OwmReplicaOptions {
  /** API keys accepted in `appid`. Default ['owm_replica_key']. */
  keys?: readonly string[] | undefined
  /** Calls per key per fixed 60 s window (the window opens at the key's first counted call); over it → 429. Default 60. */
  perMinute?: number | undefined
}

/** The OpenWeatherMap half of the replica: a request handler plus the test control of `Replica.owm`. */
export interface OwmReplica {
  /** Answers one request under `/data/2.5/`. */
  handle(req: Incoming): Reply
  /** Calls counted against a key in the current window. */
  used(key: string): number
}

const INVALID_KEY = 'Invalid API key. Please see https://openweathermap.org/faq#error401 for more info.'
const BLOCKED =
  'Your account is temporary blocked due to exceeding of requests limit of your subscription type. ' +
  'Please choose the proper subscription https://openweathermap.org/price'
const WINDOW_MS = 60_000
const FORECAST_STEPS = 40
const STEP_MS = 3 * 3_600_000
/** OWM's country-code aliases (`London,uk` works). */
const COUNTRY_ALIASES: Record<string, string> = { UK: 'GB' }

type Units = 'standard' | 'metric' | 'imperial'

/** Where the weather is asked for: the city answering, and the coordinates to report. */
interface Place {
  readonly city: City
  readonly coord: { readonly lon: number; readonly lat: number }
}

/** The headers OWM sends (no caching headers: OWM sends none). */
function owmHeaders(req: Incoming): Record<string, string> {
  const rest = req.url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && !pair.startsWith('appid='))
    .join('&')
  return {
    server: 'openresty',
    'x-cache-key': `${req.url.pathname}${rest === '' ? '' : `?${rest}`}`.toLowerCase(),
    'access-control-allow-origin': '*',
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, POST',
  }
}

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits

function temperature(kelvin: number, units: Units): number {
  if (units === 'metric') return round(kelvin - 273.15)
  if (units === 'imperial') return round(((kelvin - 273.15) * 9) / 5 + 32)
  return round(kelvin)
}

function speed(metresPerSecond: number, units: Units): number {
  return round(units === 'imperial' ? metresPerSecond * 2.236_936 : metresPerSecond)
}

function unitsOf(url: URL): Units {
  const units = url.searchParams.get('units')?.toLowerCase()
  return units === 'metric' || units === 'imperial' ? units : 'standard'
}

const badRequest = (message: string) => ({ cod: '400', message })
const cityNotFound = { cod: '404', message: 'city not found' }

function country(code: string): string {
  const upper = code.trim().toUpperCase()
  return COUNTRY_ALIASES[upper] ?? upper
}

/** A coordinate parameter, or `undefined` when it is not a number within ±`max`. */
function coordinate(value: string, max: number): number | undefined {
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(value)) return undefined
  const n = Number(value)
  return Math.abs(n) <= max ? n : undefined
}

/** Great-circle distance in radians, enough to pick the nearest city. */
function distance(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const r = Math.PI / 180
  const a =
    Math.sin(((lat2 - lat1) * r) / 2) ** 2 +
    Math.cos(lat1 * r) * Math.cos(lat2 * r) * Math.sin(((lon2 - lon1) * r) / 2) ** 2
  return 2 * Math.asin(Math.min(1, Math.sqrt(a)))
}

/**
 * Finds the place a request names, in OWM's order of precedence: `q` (City, City,CC or
 * City,State,CC), `id`, `lat`+`lon` (the nearest seeded city answers, at the asked
 * coordinates), `zip` (code[,CC], country defaulting to US). The error body otherwise.
 */
function placeOf(url: URL): Place | { status: number; body: unknown } {
  const params = url.searchParams
  const q = params.get('q')
  if (q !== null) {
    const parts = q.split(',').map((p) => p.trim())
    const name = (parts[0] ?? '').toLowerCase()
    const cc = parts.length >= 2 ? country(parts[parts.length - 1] ?? '') : undefined
    const city = CITIES.find((c) => c.name.toLowerCase() === name && (cc === undefined || cc === c.country))
    return city === undefined ? { status: 404, body: cityNotFound } : { city, coord: { lon: city.lon, lat: city.lat } }
  }
  const id = params.get('id')
  if (id !== null) {
    if (!/^\s*\d+\s*$/.test(id)) return { status: 400, body: badRequest(`${id} is not a city ID`) }
    const city = CITIES.find((c) => c.id === Number(id))
    return city === undefined ? { status: 404, body: cityNotFound } : { city, coord: { lon: city.lon, lat: city.lat } }
  }
  const latText = params.get('lat')
  const lonText = params.get('lon')
  if (latText !== null || lonText !== null) {
    if (latText === null || lonText === null) return { status: 400, body: badRequest('Nothing to geocode') }
    const lat = coordinate(latText, 90)
    if (lat === undefined) return { status: 400, body: badRequest('wrong latitude') }
    const lon = coordinate(lonText, 180)
    if (lon === undefined) return { status: 400, body: badRequest('wrong longitude') }
    const nearest = [...CITIES].sort((a, b) => distance(lat, lon, a.lat, a.lon) - distance(lat, lon, b.lat, b.lon))[0]
    if (nearest === undefined) return { status: 404, body: cityNotFound }
    return { city: nearest, coord: { lon: round(lon, 4), lat: round(lat, 4) } }
  }
  const zip = params.get('zip')
  if (zip !== null) {
    const [code = '', cc = 'US'] = zip.split(',').map((p) => p.trim())
    const city = CITIES.find(
      (c) => c.country === country(cc) && c.zips.some((z) => z.toLowerCase() === code.toLowerCase()),
    )
    return city === undefined
      ? { status: 404, body: { cod: '404', message: 'not found' } }
      : { city, coord: { lon: city.lon, lat: city.lat } }
  }
  return { status: 400, body: badRequest('Nothing to geocode') }
}

/** The `main` block of a sample, in `units`. */
function mainOf(sample: Sample, units: Units) {
  return {
    temp: temperature(sample.temp, units),
    feels_like: temperature(sample.feelsLike, units),
    temp_min: temperature(sample.tempMin, units),
    temp_max: temperature(sample.tempMax, units),
    pressure: sample.pressure,
    humidity: sample.humidity,
    sea_level: sample.seaLevel,
    grnd_level: sample.grndLevel,
  }
}

function weatherEntry(sample: Sample, daytime: boolean, lang: string | null) {
  return {
    id: sample.condition.id,
    main: sample.condition.main,
    description: describe(sample.condition, lang),
    icon: `${sample.condition.icon}${daytime ? 'd' : 'n'}`,
  }
}

/** `GET /data/2.5/weather`: the current-weather document (`cod` is the number 200). */
function currentWeather(place: Place, url: URL): unknown {
  const now = Date.now()
  const units = unitsOf(url)
  const lang = url.searchParams.get('lang')
  const { city } = place
  const sample = weatherAt(city, now)
  const sun = sunTimes(city, now)
  return {
    coord: place.coord,
    weather: [weatherEntry(sample, isDaytime(city, now), lang)],
    base: 'stations',
    main: mainOf(sample, units),
    visibility: sample.visibility,
    wind: { speed: speed(sample.windSpeed, units), deg: sample.windDeg, gust: speed(sample.windGust, units) },
    ...(sample.rain > 0 ? { rain: { '1h': sample.rain } } : {}),
    ...(sample.snow > 0 ? { snow: { '1h': sample.snow } } : {}),
    clouds: { all: sample.clouds },
    dt: Math.floor(now / 1000),
    sys: { type: 2, id: city.stationId, country: city.country, sunrise: sun.sunrise, sunset: sun.sunset },
    timezone: city.timezone,
    id: city.id,
    name: city.name,
    cod: 200,
  }
}

/** `YYYY-MM-DD HH:mm:ss` in UTC, as `dt_txt`. */
function dtText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/**
 * `GET /data/2.5/forecast`: 40 steps 3 h apart from the next 3-hour boundary (UTC), or `cnt`
 * of them (1–40). `cod` is the string "200".
 */
function forecast(place: Place, url: URL): unknown {
  const now = Date.now()
  const units = unitsOf(url)
  const lang = url.searchParams.get('lang')
  const cntText = url.searchParams.get('cnt')
  const cnt =
    cntText !== null && /^\s*\d+\s*$/.test(cntText)
      ? Math.min(FORECAST_STEPS, Math.max(1, Number(cntText)))
      : FORECAST_STEPS
  const { city } = place
  const first = Math.ceil(now / STEP_MS) * STEP_MS
  const list = Array.from({ length: cnt }, (_, i) => {
    const at = first + i * STEP_MS
    const sample = weatherAt(city, at)
    const daytime = isDaytime(city, at)
    return {
      dt: at / 1000,
      main: { ...mainOf(sample, units), temp_kf: i < 8 ? round(sample.tempMax - sample.tempMin - 1, 2) : 0 },
      weather: [weatherEntry(sample, daytime, lang)],
      clouds: { all: sample.clouds },
      wind: { speed: speed(sample.windSpeed, units), deg: sample.windDeg, gust: speed(sample.windGust, units) },
      visibility: sample.visibility,
      pop: sample.pop,
      ...(sample.rain > 0 ? { rain: { '3h': round(sample.rain * 3) } } : {}),
      ...(sample.snow > 0 ? { snow: { '3h': round(sample.snow * 3) } } : {}),
      sys: { pod: daytime ? 'd' : 'n' },
      dt_txt: dtText(at),
    }
  })
  const sun = sunTimes(city, now)
  return {
    cod: '200',
    message: 0,
    cnt,
    list,
    city: {
      id: city.id,
      name: city.name,
      coord: { lat: city.lat, lon: city.lon },
      country: city.country,
      population: city.population,
      timezone: city.timezone,
      sunrise: sun.sunrise,
      sunset: sun.sunset,
    },
  }
}

/**
 * The OpenWeatherMap API 2.5 (current weather and the 5 day / 3 hour forecast) over five
 * seeded cities. `appid` is checked first (401, not counted), then the key's per-minute
 * quota (429, not counted); every other answer, errors included, counts as a call.
 */
export function createOwm(options: OwmReplicaOptions | undefined): OwmReplica {
  const keys = new Set(options?.keys ?? ['owm_replica_key'])
  const perMinute = options?.perMinute ?? 60
  const windows = new Map<string, { start: number; count: number }>()

  /** The key's current window, a fresh one if the last has ended. */
  function windowOf(key: string): { start: number; count: number } {
    const now = Date.now()
    let w = windows.get(key)
    if (w === undefined || now - w.start >= WINDOW_MS) {
      w = { start: now, count: 0 }
      windows.set(key, w)
    }
    return w
  }

  function handle(req: Incoming): Reply {
    const headers = owmHeaders(req)
    const key = req.url.searchParams.get('appid')
    if (key === null || !keys.has(key)) return jsonReply(401, { cod: 401, message: INVALID_KEY }, headers)
    const window = windowOf(key)
    if (window.count >= perMinute) return jsonReply(429, { cod: 429, message: BLOCKED }, headers)
    window.count++
    const read = req.method === 'GET' || req.method === 'HEAD'
    const path = req.url.pathname.replace(/\/+$/, '')
    const kind = path === '/data/2.5/weather' ? 'weather' : path === '/data/2.5/forecast' ? 'forecast' : undefined
    if (!read || kind === undefined) return jsonReply(404, { cod: 404, message: 'Internal error' }, headers)
    const place = placeOf(req.url)
    if (!('city' in place)) return jsonReply(place.status, place.body, headers)
    return jsonReply(200, kind === 'weather' ? currentWeather(place, req.url) : forecast(place, req.url), headers)
  }

  return {
    handle,
    used: (key) => {
      const w = windows.get(key)
      return w === undefined || Date.now() - w.start >= WINDOW_MS ? 0 : w.count
    },
  }
}
