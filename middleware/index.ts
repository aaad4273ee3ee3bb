/**
 * The middlewares ply ships. Each is a factory that returns a `Middleware`.
 *
 * @module
 */
export { type ParseOptions, parse } from './parse.ts'
