import type { PresetCallOptions } from '../shared/options.ts'
import type { Units } from './options.ts'

// The JSON OpenWeatherMap documents for current weather (https://openweathermap.org/current)
// and the 5 day / 3 hour forecast (https://openweathermap.org/forecast5). Temperatures are in
// the call's units: Kelvin (standard), °C (metric) or °F (imperial); wind speed in m/s, or
// mph (imperial). Times are Unix seconds, UTC.

/** A call's own options: units and language, and ply's `headers`, `signal`, `deadline`, `timeout`, `cache`, `retry`. */
export interface WeatherCallOptions extends PresetCallOptions {
  /** The units of this call, instead of the preset's. */
  units?: Units | undefined
  /** The language of `weather[].description` for this call, instead of the preset's. */
  lang?: string | undefined
}

/** Coordinates in degrees. */
export interface WeatherCoord {
  lon: number
  lat: number
}

/** A weather condition (https://openweathermap.org/weather-conditions). */
export interface WeatherCondition {
  /** The condition id: 2xx thunderstorm, 3xx drizzle, 5xx rain, 6xx snow, 7xx atmosphere, 800 clear, 80x clouds. */
  id: number
  /** The group: `Rain`, `Snow`, `Clouds`, `Clear`, … */
  main: string
  /** The condition in the call's `lang`: `moderate rain`. */
  description: string
  /** The icon id: `https://openweathermap.org/img/wn/${icon}@2x.png`. */
  icon: string
}

/** Temperature, pressure and humidity of current weather. */
export interface WeatherMain {
  temp: number
  /** The temperature as it feels. */
  feels_like: number
  /** The lowest temperature currently observed in the area (large cities). */
  temp_min: number
  /** The highest temperature currently observed in the area (large cities). */
  temp_max: number
  /** Atmospheric pressure at sea level, hPa. */
  pressure: number
  /** Humidity, %. */
  humidity: number
  /** Atmospheric pressure at sea level, hPa. */
  sea_level?: number
  /** Atmospheric pressure at ground level, hPa. */
  grnd_level?: number
}

/** Wind. */
export interface WeatherWind {
  /** m/s (standard, metric) or mph (imperial). */
  speed: number
  /** Direction, meteorological degrees. */
  deg: number
  /** Gusts, in the units of `speed`. */
  gust?: number
}

/** Cloudiness. */
export interface WeatherClouds {
  /** Cloudiness, %. */
  all: number
}

/** Rain or snow of current weather, mm. */
export interface WeatherPrecipitation {
  /** Over the last hour (rain: mm/h). */
  '1h'?: number
  /** Over the last 3 hours. */
  '3h'?: number
}

/** Country, sunrise and sunset of current weather. */
export interface CurrentWeatherSys {
  /** Internal. */
  type?: number
  /** Internal. */
  id?: number
  /** ISO 3166 country code (`GB`). */
  country: string
  sunrise: number
  sunset: number
}

/** `GET /data/2.5/weather`: the weather now at a place. */
export interface CurrentWeather {
  coord: WeatherCoord
  /** Usually one condition; more when several apply. */
  weather: WeatherCondition[]
  /** Internal (`stations`). */
  base: string
  main: WeatherMain
  /** Visibility in metres, up to 10 000. */
  visibility: number
  wind: WeatherWind
  clouds: WeatherClouds
  /** Present when it rains. */
  rain?: WeatherPrecipitation
  /** Present when it snows. */
  snow?: WeatherPrecipitation
  /** When the data was calculated. */
  dt: number
  sys: CurrentWeatherSys
  /** Shift from UTC in seconds. */
  timezone: number
  /** City id. */
  id: number
  /** City name. */
  name: string
  /** Always a number here (ply turns a string `cod` into one); 200 for a success. */
  cod: number
}

/** Temperature, pressure and humidity of a forecast step. */
export interface ForecastMain extends WeatherMain {
  sea_level: number
  grnd_level: number
  /** Internal correction. */
  temp_kf: number
}

/** Rain or snow of a forecast step, mm. */
export interface ForecastPrecipitation {
  /** Over the 3 hours. */
  '3h'?: number
}

/** One 3-hour step of the forecast. */
export interface ForecastEntry {
  /** The step's time. */
  dt: number
  main: ForecastMain
  weather: WeatherCondition[]
  clouds: WeatherClouds
  wind: WeatherWind
  /** Visibility in metres, up to 10 000. */
  visibility: number
  /** Probability of precipitation, 0 to 1. */
  pop: number
  /** Present when rain is forecast. */
  rain?: ForecastPrecipitation
  /** Present when snow is forecast. */
  snow?: ForecastPrecipitation
  sys: {
    /** Part of the day: `d` (day) or `n` (night). */
    pod: 'd' | 'n'
  }
  /** The step's time as text, UTC: `2022-08-30 15:00:00`. */
  dt_txt: string
}

/** The place a forecast is for. */
export interface ForecastCity {
  id: number
  name: string
  coord: WeatherCoord
  /** ISO 3166 country code. */
  country: string
  population: number
  /** Shift from UTC in seconds. */
  timezone: number
  sunrise: number
  sunset: number
}

/** `GET /data/2.5/forecast`: 5 days in 3-hour steps (40 steps). */
export interface Forecast {
  /** Always a number here (OpenWeatherMap sends the string `"200"`; ply turns it into 200). */
  cod: number
  /** Internal. */
  message: number
  /** The number of steps in `list`. */
  cnt: number
  list: ForecastEntry[]
  city: ForecastCity
}
