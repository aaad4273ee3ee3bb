import { openWeatherMap } from '../../presets/index.ts'
import { openWeatherKey } from '../credentials.ts'
import { attemptOptions, type CommandContext } from './context.ts'
import type { WeatherCommand } from './weather-args.ts'

/**
 * Runs `ply weather` through the OpenWeatherMap preset. The key is checked first: without one
 * the command stops (exit 3) with how to get one, before anything is built.
 */
export async function runWeather(command: WeatherCommand, ctx: CommandContext): Promise<void> {
  const apiKey = openWeatherKey(ctx.global, ctx.env)
  const owm = openWeatherMap({
    apiKey,
    cache: ctx.store ?? false,
    ...(ctx.global.baseUrl ? { baseUrl: ctx.global.baseUrl } : {}),
    ...(command.units ? { units: command.units } : {}),
    ...(command.lang ? { lang: command.lang } : {}),
    ...attemptOptions(ctx.global),
  })
  ctx.calls.watch(owm.client)
  try {
    // The default cache mode: an answer younger than the preset's 10 minutes is served from the
    // cache (OpenWeatherMap has no validators to revalidate with).
    const response = command.forecast ? await owm.forecast(command.place) : await owm.current(command.place)
    ctx.output.print(response.data)
  } finally {
    await owm.close()
  }
}
