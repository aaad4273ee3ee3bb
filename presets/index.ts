/**
 * Presets: ready stacks and typed methods for real APIs. The GitHub and OpenWeatherMap
 * presets are added here as they are built.
 *
 * @module
 */
export {}
