/**
 * Presets: ply's stack assembled for a real API, with typed, API-shaped methods.
 *
 * @module
 */
export * from './github/index.ts'
export type { Closable, PresetOptions, PresetRedisOptions } from './shared/options.ts'
