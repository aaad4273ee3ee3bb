import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { declarationOf, entryExports, sourceReader } from './exported-names.ts'

// What each entry exports: no name from two entries, the root entry small and documented.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const read = sourceReader(ROOT)
const exportsField = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports as Record<
  string,
  { types?: string } | string
>

/** Each entry of package.json's `exports` as its source file: `ply-http/kit` → `middleware/kit.ts`. */
const entries = Object.entries(exportsField).flatMap(([subpath, target]) => {
  if (typeof target === 'string' || target.types === undefined) return []
  const source = target.types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts')
  return [{ entry: subpath === '.' ? 'ply-http' : `ply-http/${subpath.slice(2)}`, source }]
})

describe('the entries', () => {
  it('are the five the package documents, each read from its source', () => {
    expect(entries.map(({ entry, source }) => `${entry} ${source}`)).toEqual([
      'ply-http src/index.ts',
      'ply-http/middleware middleware/index.ts',
      'ply-http/kit middleware/kit.ts',
      'ply-http/presets presets/index.ts',
      'ply-http/redis redis/index.ts',
    ])
    for (const { source } of entries) expect(entryExports(source, read).length, source).toBeGreaterThan(0)
  })

  it('export no name from two entries', () => {
    const owners = new Map<string, string[]>()
    for (const { entry, source } of entries) {
      for (const { name } of entryExports(source, read)) owners.set(name, [...(owners.get(name) ?? []), entry])
    }
    const twice = [...owners]
      .filter(([, where]) => where.length > 1)
      .map(([name, where]) => `${name}: ${where.join(', ')}`)
    expect(twice).toEqual([])
  })

  it('keep the root entry to what application code uses: at most 50 names', () => {
    const names = entryExports('src/index.ts', read).map(({ name }) => name)
    expect(new Set(names).size).toBe(names.length)
    expect(names.length).toBeLessThanOrEqual(50)
    // What application code needs is there; what only middleware authors need is not.
    expect(names).toEqual(expect.arrayContaining(['createClient', 'Client', 'HttpError', 'isHttpError', 'Middleware']))
    expect(names).not.toContain('redactUrl')
    expect(names).not.toContain('optionNames')
  })

  it('document every root export and every kit export with JSDoc where it is declared', () => {
    const undocumented: string[] = []
    for (const source of ['src/index.ts', 'middleware/kit.ts']) {
      for (const { name, local, from } of entryExports(source, read)) {
        const found = declarationOf(local, from, read)
        if (found === undefined) undocumented.push(`${name}: no declaration found from ${from}`)
        else if (!found.jsdoc) undocumented.push(`${name} (${found.file})`)
      }
    }
    expect(undocumented).toEqual([])
  })
})

describe('the export scan', () => {
  const files: Record<string, string> = {
    'e/index.ts': "export { a, type B as C } from './a.ts'\nexport * from './more.ts'\n",
    'e/more.ts': "export { d } from './d.ts'\n",
    'e/a.ts': '/** A. */\nexport function a() {}\n// a note\nexport interface B {}\n',
    'e/d.ts': "import type { D0 } from './d0.ts'\nexport type { D0 as d }\n",
    'e/d0.ts': '/**\n * D.\n */\n// biome-ignore lint: why\nexport type D0 = string\n',
  }
  const fake = (path: string) => files[path] ?? ''

  it('follows re-exports, renames and export *', () => {
    expect(entryExports('e/index.ts', fake)).toEqual([
      { name: 'a', local: 'a', from: 'e/a.ts' },
      { name: 'C', local: 'B', from: 'e/a.ts' },
      { name: 'd', local: 'd', from: 'e/d.ts' },
    ])
  })

  it('tells a JSDoc comment from a line comment, through local export lists and lint directives', () => {
    expect(declarationOf('a', 'e/a.ts', fake)).toEqual({ file: 'e/a.ts', jsdoc: true })
    expect(declarationOf('B', 'e/a.ts', fake)).toEqual({ file: 'e/a.ts', jsdoc: false })
    expect(declarationOf('d', 'e/d.ts', fake)).toEqual({ file: 'e/d0.ts', jsdoc: true })
    expect(declarationOf('missing', 'e/a.ts', fake)).toBeUndefined()
  })
})
