import { type Client, ConfigError, type RequestOptions } from '../../src/index.ts'
import { optionNames, rejectUnknownCallOptions } from '../../src/kit.ts'
import type { PresetCallOptions } from './options.ts'

/** The call options a preset's method builds from its own arguments, which a call cannot give. */
const BUILT_BY_PRESET = optionNames<Omit<RequestOptions, keyof PresetCallOptions>>()([
  'params',
  'query',
  'json',
  'form',
  'body',
  'schema',
])

/**
 * Refuses an option of a preset method's call that no one reads: the method's `own` options
 * (`units`), and the per-call options of the preset's client (the core's and those its
 * middlewares declare, `outer` ones included) but those the method builds itself.
 * @throws ConfigError naming the option, with the closest known name.
 */
export function rejectUnknownPresetCallOptions(
  where: string,
  options: unknown,
  client: Client,
  own?: ReadonlySet<string>,
): void {
  if (typeof options === 'object' && options !== null) {
    for (const name of BUILT_BY_PRESET) {
      if (Object.hasOwn(options, name)) {
        throw new ConfigError(
          `${where}: '${name}' is not an option here; the method builds the path, query, body and data type from its arguments`,
        )
      }
    }
  }
  rejectUnknownCallOptions(where, options, client.callOptions, own)
}
