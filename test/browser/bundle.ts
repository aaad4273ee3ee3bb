import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ENTRY = fileURLToPath(new URL('./scenarios.ts', import.meta.url))

/**
 * Bundles the page's scenarios, with the core and the middlewares they import, as a browser
 * would get them: one ES module for `platform: 'browser'`, nothing external, so a Node
 * built-in anywhere in reach fails the build here with the file that imports it.
 */
export async function bundleScenarios(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2023',
    write: false,
    sourcemap: 'inline',
    logLevel: 'silent',
  })
  const [output] = result.outputFiles
  if (output === undefined) throw new Error('esbuild produced no bundle')
  return output.text
}
