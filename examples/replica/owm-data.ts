/** A seeded OpenWeatherMap city. */
export interface City {
  readonly id: number
  readonly name: string
  /** ISO 3166 alpha-2, upper case. */
  readonly country: string
  readonly lat: number
  readonly lon: number
  /** Offset from UTC in seconds (standard time: the replica applies no daylight saving). */
  readonly timezone: number
  readonly population: number
  /** Postal codes `zip=` finds the city by. */
  readonly zips: readonly string[]
  /** The weather station id OWM reports in `sys.id`. */
  readonly stationId: number
  /** Metres above sea level (makes `grnd_level` lower than `sea_level`). */
  readonly elevation: number
  /** Yearly mean temperature (K), seasonal and daily half-ranges (K). */
  readonly climate: { readonly mean: number; readonly seasonal: number; readonly daily: number }
}

/** One of OWM's weather conditions (https://openweathermap.org/weather-conditions). */
export interface Condition {
  readonly id: number
  readonly main: string
  readonly description: string
  /** Icon without its day/night suffix (`01` → `01d`/`01n`). */
  readonly icon: string
  /** Cloud cover, %. */
  readonly clouds: number
  /** Rain or snow in mm per hour (0 for dry conditions). */
  readonly precipitation: number
  readonly visibility: number
  readonly fr: string
  readonly de: string
}

/** The deterministic weather of a city at one instant, in OWM's standard units (K, m/s, hPa). */
export interface Sample {
  readonly temp: number
  readonly feelsLike: number
  readonly tempMin: number
  readonly tempMax: number
  readonly pressure: number
  readonly seaLevel: number
  readonly grndLevel: number
  readonly humidity: number
  readonly visibility: number
  readonly windSpeed: number
  readonly windDeg: number
  readonly windGust: number
  readonly clouds: number
  readonly condition: Condition
  /** Probability of precipitation, 0–1 (forecast `pop`). */
  readonly pop: number
  /** mm in the hour, or 0. */
  readonly rain: number
  readonly snow: number
}

/** London, Paris, Tokyo, New York and Mountain View, with OWM's city ids. */
export const CITIES: readonly City[] = [
  {
    id: 2643743,
    name: 'London',
    country: 'GB',
    lat: 51.5085,
    lon: -0.1257,
    timezone: 0,
    population: 1_000_000,
    zips: ['EC1A'],
    stationId: 2075535,
    elevation: 11,
    climate: { mean: 284.5, seasonal: 7, daily: 4 },
  },
  {
    id: 2988507,
    name: 'Paris',
    country: 'FR',
    lat: 48.8534,
    lon: 2.3488,
    timezone: 3600,
    population: 2_138_551,
    zips: ['75001'],
    stationId: 6550,
    elevation: 35,
    climate: { mean: 285.5, seasonal: 8, daily: 5 },
  },
  {
    id: 1850147,
    name: 'Tokyo',
    country: 'JP',
    lat: 35.6895,
    lon: 139.6917,
    timezone: 32_400,
    population: 12_445_327,
    zips: ['100-0001'],
    stationId: 268_395,
    elevation: 40,
    climate: { mean: 289.0, seasonal: 10, daily: 4 },
  },
  {
    id: 5128581,
    name: 'New York',
    country: 'US',
    lat: 40.7143,
    lon: -74.006,
    timezone: -18_000,
    population: 8_175_133,
    zips: ['10001'],
    stationId: 2_008_101,
    elevation: 10,
    climate: { mean: 286.0, seasonal: 12, daily: 5 },
  },
  {
    id: 5375480,
    name: 'Mountain View',
    country: 'US',
    lat: 37.3861,
    lon: -122.0839,
    timezone: -28_800,
    population: 74_066,
    zips: ['94040'],
    stationId: 2_010_364,
    elevation: 30,
    climate: { mean: 288.5, seasonal: 5, daily: 7 },
  },
]

const condition = (c: Condition) => c
const CLEAR = condition({
  id: 800,
  main: 'Clear',
  description: 'clear sky',
  icon: '01',
  clouds: 0,
  precipitation: 0,
  visibility: 10_000,
  fr: 'ciel dégagé',
  de: 'Klarer Himmel',
})
const FEW = condition({
  id: 801,
  main: 'Clouds',
  description: 'few clouds',
  icon: '02',
  clouds: 20,
  precipitation: 0,
  visibility: 10_000,
  fr: 'peu nuageux',
  de: 'Ein paar Wolken',
})
const SCATTERED = condition({
  id: 802,
  main: 'Clouds',
  description: 'scattered clouds',
  icon: '03',
  clouds: 40,
  precipitation: 0,
  visibility: 10_000,
  fr: 'partiellement nuageux',
  de: 'Mäßig bewölkt',
})
const BROKEN = condition({
  id: 803,
  main: 'Clouds',
  description: 'broken clouds',
  icon: '04',
  clouds: 75,
  precipitation: 0,
  visibility: 10_000,
  fr: 'nuageux',
  de: 'Überwiegend bewölkt',
})
const OVERCAST = condition({
  id: 804,
  main: 'Clouds',
  description: 'overcast clouds',
  icon: '04',
  clouds: 100,
  precipitation: 0,
  visibility: 10_000,
  fr: 'couvert',
  de: 'Bedeckt',
})
const LIGHT_RAIN = condition({
  id: 500,
  main: 'Rain',
  description: 'light rain',
  icon: '10',
  clouds: 90,
  precipitation: 0.6,
  visibility: 9000,
  fr: 'légère pluie',
  de: 'Leichter Regen',
})
const MODERATE_RAIN = condition({
  id: 501,
  main: 'Rain',
  description: 'moderate rain',
  icon: '10',
  clouds: 100,
  precipitation: 2.4,
  visibility: 7000,
  fr: 'pluie modérée',
  de: 'Mäßiger Regen',
})
const LIGHT_SNOW = condition({
  id: 600,
  main: 'Snow',
  description: 'light snow',
  icon: '13',
  clouds: 100,
  precipitation: 0.4,
  visibility: 4000,
  fr: 'légères chutes de neige',
  de: 'Leichter Schneefall',
})
const MIST = condition({
  id: 701,
  main: 'Mist',
  description: 'mist',
  icon: '50',
  clouds: 75,
  precipitation: 0,
  visibility: 3500,
  fr: 'brume',
  de: 'Trüb',
})
const THUNDERSTORM = condition({
  id: 200,
  main: 'Thunderstorm',
  description: 'thunderstorm with light rain',
  icon: '11',
  clouds: 100,
  precipitation: 1.8,
  visibility: 6000,
  fr: 'orage et pluie fine',
  de: 'Gewitter mit leichtem Regen',
})

/** How often each condition comes up (clear and cloudy weather are the common cases). */
const WEIGHTED: readonly Condition[] = [
  CLEAR,
  CLEAR,
  CLEAR,
  FEW,
  FEW,
  SCATTERED,
  SCATTERED,
  BROKEN,
  BROKEN,
  OVERCAST,
  OVERCAST,
  LIGHT_RAIN,
  LIGHT_RAIN,
  MODERATE_RAIN,
  MIST,
  THUNDERSTORM,
]

const HOUR_MS = 3_600_000
const DAY_S = 86_400
const RAD = Math.PI / 180

/** A 32-bit integer hash of some integers (deterministic, well mixed). */
function hash(...values: readonly number[]): number {
  let h = 0x811c9dc5
  for (const value of values) {
    h = Math.imul(h ^ (value | 0), 0x01000193)
    h ^= h >>> 13
    h = Math.imul(h, 0x5bd1e995)
    h ^= h >>> 15
  }
  return h >>> 0
}

/** A deterministic fraction in [0, 1) for a city, an hour and a purpose. */
function unit(city: City, hour: number, salt: number): number {
  return hash(city.id, hour, salt) / 2 ** 32
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits

/** The day of the year (0–365) of a UTC instant. */
function dayOfYear(ms: number): number {
  const date = new Date(ms)
  return Math.floor((ms - Date.UTC(date.getUTCFullYear(), 0, 1)) / (DAY_S * 1000))
}

/**
 * Sunrise and sunset (epoch seconds) on the city's local calendar day containing `ms`, from
 * the solar declination (no equation of time: within a quarter of an hour of the truth).
 */
export function sunTimes(city: City, ms: number): { sunrise: number; sunset: number } {
  const localDay = Math.floor((ms / 1000 + city.timezone) / DAY_S)
  const solarNoon = localDay * DAY_S + DAY_S / 2 - city.lon * 240
  const declination = 23.44 * RAD * Math.sin((2 * Math.PI * (284 + dayOfYear(localDay * DAY_S * 1000))) / 365)
  const lat = city.lat * RAD
  const cosOmega =
    (Math.sin(-0.833 * RAD) - Math.sin(lat) * Math.sin(declination)) / (Math.cos(lat) * Math.cos(declination))
  const omega = Math.acos(Math.min(1, Math.max(-1, cosOmega)))
  const half = (omega / (2 * Math.PI)) * DAY_S
  return { sunrise: Math.round(solarNoon - half), sunset: Math.round(solarNoon + half) }
}

/** Whether the sun is up in the city at `ms`. */
export function isDaytime(city: City, ms: number): boolean {
  const { sunrise, sunset } = sunTimes(city, ms)
  const s = ms / 1000
  return s >= sunrise && s < sunset
}

/**
 * The city's weather at `ms`, derived only from the city id and the hour (no randomness):
 * the same hour always gives the same weather. Temperature follows the season and the local
 * time of day; the condition, wind, humidity and pressure come from a hash of (city, hour).
 */
export function weatherAt(city: City, ms: number): Sample {
  const hour = Math.floor(ms / HOUR_MS)
  const localHour = (((hour + city.timezone / 3600) % 24) + 24) % 24
  const season = -Math.cos((2 * Math.PI * (dayOfYear(ms) - 20)) / 365)
  const daily = -Math.cos((2 * Math.PI * (localHour - 3)) / 24)
  const temp = city.climate.mean + city.climate.seasonal * season + city.climate.daily * daily
  const noisy = temp + (unit(city, hour, 1) - 0.5) * 2
  let picked = WEIGHTED[hash(city.id, hour, 2) % WEIGHTED.length] ?? CLEAR
  if (picked.main === 'Rain' && noisy < 274.5) picked = LIGHT_SNOW
  const windSpeed = 0.5 + unit(city, hour, 3) * 8
  const humidity = Math.min(100, Math.round(45 + unit(city, hour, 4) * 40 + (picked.precipitation > 0 ? 15 : 0)))
  const pressure = Math.round(1000 + unit(city, hour, 5) * 30 - (picked.precipitation > 0 ? 8 : 0))
  const precipitation = round(picked.precipitation * (0.5 + unit(city, hour, 6)), 2)
  const feelsLike = noisy - windSpeed * 0.7 + (humidity - 50) * 0.03
  return {
    temp: noisy,
    feelsLike,
    tempMin: noisy - 0.4 - unit(city, hour, 7),
    tempMax: noisy + 0.4 + unit(city, hour, 8),
    pressure,
    seaLevel: pressure,
    grndLevel: pressure - Math.round(city.elevation / 8.3),
    humidity,
    visibility: picked.visibility,
    windSpeed,
    windDeg: hash(city.id, hour, 9) % 360,
    windGust: windSpeed * (1.3 + unit(city, hour, 10) * 0.6),
    clouds: Math.min(100, Math.max(0, picked.clouds + Math.round((unit(city, hour, 11) - 0.5) * 10))),
    condition: picked,
    pop: picked.precipitation > 0 ? round(0.55 + unit(city, hour, 12) * 0.45, 2) : round(unit(city, hour, 12) * 0.2, 2),
    rain: picked.main === 'Rain' || picked.main === 'Thunderstorm' ? precipitation : 0,
    snow: picked.main === 'Snow' ? precipitation : 0,
  }
}

/** The condition's description in `lang` (`fr`, `de`; anything else is English), as OWM's `lang=` does. */
export function describe(condition: Condition, lang: string | null): string {
  const l = lang?.toLowerCase()
  return l === 'fr' ? condition.fr : l === 'de' ? condition.de : condition.description
}
