/**
 * Presets: ply's stack assembled for a real API, with typed, API-shaped methods.
 *
 * @module
 */
export * from './github/index.ts'
export * from './openweathermap/index.ts'
export type {
  Closable,
  PresetCacheStore,
  PresetCallOptions,
  PresetOptions,
  PresetRedis,
} from './shared/options.ts'
