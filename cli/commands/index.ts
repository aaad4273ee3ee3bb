import { UsageError } from '../errors.ts'
import type { Values } from '../options.ts'
import type { CommandContext } from './context.ts'
import { type GetCommand, parseGet } from './get-args.ts'
import { type GithubCommand, parseGithub } from './github-args.ts'
import { parseWeather, type WeatherCommand } from './weather-args.ts'

/** A command line, checked: which command, with its arguments and options. */
export type Command = GithubCommand | WeatherCommand | GetCommand

/** The commands `ply` has. */
export const COMMANDS = ['github', 'weather', 'get'] as const

/** Reads the command from the positionals (its name first) and the options; mistakes are `UsageError`s. */
export function parseCommand(positionals: readonly string[], values: Values): Command {
  const [name, ...rest] = positionals
  switch (name) {
    case 'github':
      return parseGithub(rest, values)
    case 'weather':
      return parseWeather(rest, values)
    case 'get':
      return parseGet(rest, values, values['base-url'])
    case undefined:
      throw new UsageError(`missing command (${COMMANDS.join(', ')})`)
    default:
      throw new UsageError(`unknown command '${name}' (${COMMANDS.join(', ')})`)
  }
}

/** Runs a checked command; each command's code (and the preset it uses) is loaded only when it runs. */
export async function runCommand(command: Command, ctx: CommandContext): Promise<void> {
  switch (command.name) {
    case 'github':
      return (await import('./github.ts')).runGithub(command, ctx)
    case 'weather':
      return (await import('./weather.ts')).runWeather(command, ctx)
    case 'get':
      return (await import('./get.ts')).runGet(command, ctx)
  }
}
