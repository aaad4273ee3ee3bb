import { UsageError } from './errors.ts'

/**
 * Where `ply weather` asks about, in the shapes the OpenWeatherMap preset takes: a city name
 * as OpenWeatherMap reads it (`London`, `London,GB`, `Springfield,IL,US`), coordinates, or a
 * postal code with an optional country.
 */
export type PlaceArgument =
  | string
  | { readonly lat: number; readonly lon: number }
  | { readonly zip: string }
  | { readonly zip: string; readonly country: string }

const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)`
const COORDINATES = new RegExp(`^(${NUMBER})\\s*,\\s*(${NUMBER})$`)

/**
 * Reads a place from the command line: `lat,lon` numbers (`51.5,-0.12`) are coordinates,
 * `zip:94040,us` a postal code and country, anything else a city query. A bad place is a
 * `UsageError`.
 */
export function parsePlace(text: string): PlaceArgument {
  const place = text.trim()
  if (place === '') throw new UsageError('the place is empty')
  const coordinates = COORDINATES.exec(place)
  if (coordinates) {
    const lat = Number(coordinates[1])
    const lon = Number(coordinates[2])
    if (!(lat >= -90 && lat <= 90)) throw new UsageError(`latitude ${lat} is outside -90..90`)
    if (!(lon >= -180 && lon <= 180)) throw new UsageError(`longitude ${lon} is outside -180..180`)
    return { lat, lon }
  }
  if (/^zip:/i.test(place)) return zipOf(place.slice(4))
  if (/[\r\n]/.test(place)) throw new UsageError('the place must be on one line')
  return place
}

function zipOf(text: string): PlaceArgument {
  const [zip = '', country, ...rest] = text.split(',').map((part) => part.trim())
  if (zip === '' || rest.length > 0 || country === '') {
    throw new UsageError(`a postal code is written zip:CODE or zip:CODE,COUNTRY (for example zip:94040,us)`)
  }
  if (!/^[\p{L}\p{N} -]{1,16}$/u.test(zip)) throw new UsageError(`'${zip}' is not a postal code`)
  if (country === undefined) return { zip }
  if (!/^[a-z]{2}$/i.test(country)) throw new UsageError(`'${country}' is not a two-letter country code`)
  return { zip, country }
}
