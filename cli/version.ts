import { readFileSync } from 'node:fs'

/**
 * ply's version, from its `package.json`: one directory up from `cli/ply.ts` when run from
 * the sources, two up from `dist/cli/ply.js` when installed.
 */
export function version(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8'))
      if (isPlyManifest(manifest)) return manifest.version
    } catch {
      // Not there: try the next place.
    }
  }
  return 'unknown'
}

function isPlyManifest(value: unknown): value is { name: 'ply-http'; version: string } {
  if (typeof value !== 'object' || value === null) return false
  const { name, version } = value as Record<string, unknown>
  return name === 'ply-http' && typeof version === 'string'
}
