import { UsageError } from '../errors.ts'
import { exactly, oneOf, onlyOptions, type Values } from '../options.ts'
import { type PlaceArgument, parsePlace } from '../place.ts'

type Units = 'metric' | 'imperial' | 'standard'
const UNITS: readonly Units[] = ['metric', 'imperial', 'standard']

/** `ply weather <place> …`, checked. */
export interface WeatherCommand {
  readonly name: 'weather'
  readonly place: PlaceArgument
  /** The 5-day forecast in 3-hour steps instead of the current weather. */
  readonly forecast: boolean
  readonly units: Units | undefined
  readonly lang: string | undefined
}

/** Reads `ply weather <place> [--forecast] [--units …] [--lang xx]` (the positionals after `weather`). */
export function parseWeather(positionals: readonly string[], values: Values): WeatherCommand {
  onlyOptions(values, ['forecast', 'units', 'lang'], 'ply weather')
  const [place = ''] = exactly(positionals, ['place'], 'ply weather')
  return {
    name: 'weather',
    place: parsePlace(place),
    forecast: values.forecast ?? false,
    units: oneOf(values.units, UNITS, 'units'),
    lang: langOf(values.lang),
  }
}

function langOf(lang: string | undefined): string | undefined {
  if (lang === undefined) return undefined
  // OpenWeatherMap's codes: two letters, some with a region (`pt_br`, `zh_cn`).
  if (!/^[a-z]{2}(?:_[a-z]{2})?$/i.test(lang))
    throw new UsageError(`--lang must be a language code such as en, de or pt_br; got '${lang}'`)
  return lang.toLowerCase()
}
