import { ConfigError } from '../../src/index.ts'

/**
 * Where to get the weather for: a city name (`'London'`, or with its ISO 3166 country code
 * `'London,GB'`), `{ city, country? }`, coordinates `{ lat, lon }`, or a postal code
 * `{ zip, country? }` (OpenWeatherMap assumes `US` without a country).
 */
export type Place =
  | string
  | { city: string; country?: string | undefined }
  | { lat: number; lon: number }
  | { zip: string; country?: string | undefined }

/** The query parameters that name a place: `q`, `lat` and `lon`, or `zip`. */
export type PlaceQuery = { q: string } | { lat: string; lon: string } | { zip: string }

const FORMS = "a city name ('London', 'London,GB'), { city, country? }, { lat, lon } or { zip, country? }"

/** The query for `place`, checked: a bad place is a `ConfigError`, before any request. */
export function placeQuery(place: Place): PlaceQuery {
  if (typeof place === 'string') return { q: text(place, 'the city name') }
  if (typeof place !== 'object' || place === null) throw bad(`a place must be ${FORMS}, got ${String(place)}`)
  const fields = place as Partial<Record<'city' | 'country' | 'lat' | 'lon' | 'zip', unknown>>
  const kinds = [
    fields.city !== undefined && 'city',
    (fields.lat !== undefined || fields.lon !== undefined) && 'coordinates',
    fields.zip !== undefined && 'zip',
  ].filter(Boolean)
  if (kinds.length !== 1) throw bad(`a place must be exactly one of ${FORMS}`)
  if (fields.city !== undefined) return { q: withCountry(text(fields.city, 'city'), fields.country) }
  if (fields.zip !== undefined) return { zip: withCountry(text(fields.zip, 'zip'), fields.country) }
  if (fields.country !== undefined) throw bad('coordinates take no country')
  return { lat: coordinate(fields.lat, 'lat', 90), lon: coordinate(fields.lon, 'lon', 180) }
}

function withCountry(name: string, country: unknown): string {
  return country === undefined ? name : `${name},${text(country, 'country')}`
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw bad(`${what} must be a non-empty string`)
  return value.trim()
}

function coordinate(value: unknown, what: string, limit: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < -limit || value > limit) {
    throw bad(`${what} must be a number from -${limit} to ${limit}, got ${String(value)}`)
  }
  // Tiny values print as `1e-7`; send plain decimals, as OpenWeatherMap's own examples are written.
  const written = String(value)
  return written.includes('e') ? value.toFixed(10).replace(/\.?0+$/, '') : written
}

function bad(message: string): ConfigError {
  return new ConfigError(`openWeatherMap: ${message}`)
}
