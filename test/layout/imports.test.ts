import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'
import {
  buildGraph,
  type Edge,
  findCycles,
  layeringViolations,
  oversized,
  packageEntries,
  readSources,
} from './import-graph.ts'
import { scanImports } from './scan-imports.ts'

// The layering rule of docs/architecture.md, no import circle and no file over 300 lines,
// checked over src/, middleware/, presets/, redis/ and cli/.

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const MAX_LINES = 300

const sources = readSources(ROOT)
const entries = packageEntries(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')))
const entryFiles = new Set(entries.values())
const graph = buildGraph(sources, entries, (path) => existsSync(join(ROOT, path)))

describe('the repository', () => {
  it('has every relative import lead to a file', () => {
    expect(graph.unresolved).toEqual([])
  })

  it('has no import circle, type-only imports included', () => {
    expect(findCycles(graph.edges).map((cycle) => cycle.join(' → '))).toEqual([])
  })

  it('keeps the layering rule of docs/architecture.md', () => {
    expect(layeringViolations(graph.edges, entryFiles)).toEqual([])
  })

  it(`has no file over ${MAX_LINES} lines`, () => {
    expect(oversized(sources, MAX_LINES)).toEqual([])
  })

  it('is scanned for real: every folder, the entries, and type-only imports among the edges', () => {
    const folders = new Set([...sources.keys()].map((path) => path.split('/')[0]))
    expect([...folders].sort()).toEqual(['cli', 'middleware', 'presets', 'redis', 'src'])
    for (const entry of [
      'src/index.ts',
      'middleware/index.ts',
      'middleware/kit.ts',
      'presets/index.ts',
      'redis/index.ts',
    ]) {
      expect(entryFiles).toContain(entry)
    }
    expect(graph.edges.length).toBeGreaterThan(sources.size)
    expect(graph.edges.some((edge) => edge.typeOnly)).toBe(true)
    expect(graph.edges.some((edge) => edge.from.startsWith('cli/') && edge.to === 'src/index.ts')).toBe(true)
  })

  it('misses no import esbuild follows (esbuild sees the value imports; the scan adds the type-only ones)', async () => {
    const { metafile } = await build({
      absWorkingDir: ROOT,
      entryPoints: [...sources.keys()],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: 'layout-check',
      logLevel: 'silent',
    })
    const scanned = new Set(graph.edges.map((edge) => `${edge.from} → ${edge.to}`))
    const missed: string[] = []
    let followed = 0
    for (const [from, input] of Object.entries(metafile.inputs)) {
      if (!sources.has(from)) continue
      for (const imported of input.imports) {
        if (imported.external || !sources.has(imported.path)) continue
        followed++
        if (!scanned.has(`${from} → ${imported.path}`)) missed.push(`${from} → ${imported.path}`)
      }
    }
    expect(missed).toEqual([])
    expect(followed).toBeGreaterThan(sources.size / 2)
  })
})

describe('the import scan', () => {
  it('finds static, type-only, re-exported and dynamic imports', () => {
    const source = [
      "import { a } from './a.ts'",
      "import type { B } from './b.ts'",
      "import {\n  type C,\n  d,\n} from './c.ts'",
      "import './side-effect.ts'",
      "export * from './star.ts'",
      "export * as ns from './ns.ts'",
      "export { e } from './e.ts'",
      "export type { F } from './f.ts'",
      "const g = await import('./g.ts')",
      "type H = typeof import('./h.ts')",
      "type I = import('./i.ts').I",
      "import('./j.ts').then(run)",
      "import type from './default-named-type.ts'",
    ].join('\n')
    expect(scanImports(source).map(({ specifier, typeOnly }) => [specifier, typeOnly])).toEqual([
      ['./a.ts', false],
      ['./b.ts', true],
      ['./c.ts', false],
      ['./side-effect.ts', false],
      ['./star.ts', false],
      ['./ns.ts', false],
      ['./e.ts', false],
      ['./f.ts', true],
      ['./g.ts', false],
      ['./h.ts', true],
      ['./i.ts', true],
      ['./j.ts', false],
      ['./default-named-type.ts', false],
    ])
  })

  it('ignores imports quoted in strings, templates, comments and regular expressions', () => {
    const source = [
      `const advice = "import { redisConnection } from 'ply-http/redis'"`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source of a template, quoted
      "const more = `import { x } from '../cli/x.ts' and ${'ok'} then import('../cli/y.ts')`",
      "// import { z } from '../cli/z.ts'",
      "/* export * from '../cli/w.ts' */",
      'const pattern = /import \'|"/g',
      'const meta = import.meta.url',
      "const object = { import: 'x', export: 'y' }",
      "import { real } from './real.ts'",
    ].join('\n')
    expect(scanImports(source)).toEqual([{ specifier: './real.ts', typeOnly: false, line: 8 }])
  })

  it('finds an import inside a template expression', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source of a template, quoted
    expect(scanImports("const s = `${(await import('./t.ts')).name}`").map((ref) => ref.specifier)).toEqual(['./t.ts'])
  })
})

describe('the checks', () => {
  const entrySet = new Set([
    'src/index.ts',
    'middleware/index.ts',
    'middleware/kit.ts',
    'presets/index.ts',
    'redis/index.ts',
  ])
  const ply = new Map([['ply-http', 'src/index.ts']])
  const graphOf = (files: Record<string, string>) => buildGraph(new Map(Object.entries(files)), ply)

  it('find a circle, type-only edges and dynamic imports included, and name its files in order', () => {
    const { edges } = graphOf({
      'src/a.ts': "import { b } from './b.ts'",
      'src/b.ts': "import type { C } from './c.ts'",
      'src/c.ts': "export const c = () => import('./a.ts')",
      'src/d.ts': "import { a } from './a.ts'",
    })
    expect(findCycles(edges)).toEqual([['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/a.ts']])
  })

  it('find a file importing itself, and a circle through a package specifier', () => {
    const { edges } = graphOf({
      'src/self.ts': "export * from './self.ts'",
      'src/index.ts': "export { x } from './x.ts'",
      'src/x.ts': "import type { Y } from 'ply-http'",
    })
    expect(findCycles(edges)).toEqual([
      ['src/index.ts', 'src/x.ts', 'src/index.ts'],
      ['src/self.ts', 'src/self.ts'],
    ])
  })

  it('pass a clean graph', () => {
    const { edges, unresolved } = graphOf({
      'src/index.ts': "export { a } from './a.ts'\nexport type { T } from './types.ts'",
      'src/a.ts': "import type { T } from './types.ts'",
      'src/types.ts': 'export type T = string',
      'middleware/index.ts': "import { a } from '../src/index.ts'\nimport { s } from './shared/s.ts'",
      'middleware/shared/s.ts': "import type { T } from '../../src/index.ts'",
      'presets/index.ts': "import { a } from '../src/index.ts'\nimport { m } from '../middleware/index.ts'",
      'redis/index.ts': "import { a } from '../src/a.ts'\nimport type { P } from '../presets/index.ts'",
      'cli/main.ts': "import { a } from '../src/index.ts'\nimport { r } from '../redis/index.ts'\nimport './run.ts'",
      'cli/run.ts': "import { p } from '../presets/index.ts'",
    })
    expect(unresolved).toEqual([])
    expect(edges).toHaveLength(14)
    expect(findCycles(edges)).toEqual([])
    expect(layeringViolations(edges, entrySet)).toEqual([])
  })

  it('name each import that breaks the layering rule, with its line and the rule', () => {
    const edge = (from: string, to: string, typeOnly = false): Edge => ({ from, to, line: 3, typeOnly })
    const violations = layeringViolations(
      [
        edge('src/client.ts', 'middleware/retry/index.ts', true),
        edge('src/client.ts', 'cli/args.ts'),
        edge('middleware/log.ts', 'src/context.ts', true),
        edge('middleware/log.ts', 'presets/index.ts'),
        edge('presets/github/index.ts', 'redis/index.ts'),
        edge('redis/job.ts', 'middleware/ratelimit/shared.ts'),
        edge('redis/job.ts', 'cli/run.ts', true),
        edge('cli/commands/get.ts', 'src/client.ts'),
      ],
      entrySet,
    )
    expect(violations).toEqual([
      'src/client.ts:3 imports middleware/retry/index.ts: src/ never imports from middleware/, presets/, redis/ or cli/',
      'src/client.ts:3 imports cli/args.ts: nothing imports from cli/',
      "middleware/log.ts:3 imports src/context.ts: middleware/ imports from src/ only through src/index.ts and src/kit.ts, the core's public surface",
      'middleware/log.ts:3 imports presets/index.ts: middleware/ imports only from src/ (and middleware/shared/)',
      'presets/github/index.ts:3 imports redis/index.ts: presets/ import from src/ and middleware/, never from redis/',
      'redis/job.ts:3 imports middleware/ratelimit/shared.ts: redis/ imports only types (import type) from middleware/ and presets/',
      'redis/job.ts:3 imports cli/run.ts: nothing imports from cli/',
      'cli/commands/get.ts:3 imports src/client.ts: cli/ imports from the entries (middleware/index.ts, middleware/kit.ts, presets/index.ts, redis/index.ts, src/index.ts)',
    ])
  })

  it('report a relative import that leads to no file', () => {
    expect(graphOf({ 'src/a.ts': "\nimport { b } from './missing.ts'" }).unresolved).toEqual([
      "src/a.ts:2 imports './missing.ts', which is no file",
    ])
  })

  it(`flag a file over ${MAX_LINES} lines, and not one of exactly ${MAX_LINES}`, () => {
    const lines = (count: number) => 'x\n'.repeat(count)
    const files = new Map([
      ['src/long.ts', lines(MAX_LINES + 1)],
      ['src/full.ts', lines(MAX_LINES)],
    ])
    expect(oversized(files, MAX_LINES)).toEqual([`src/long.ts: ${MAX_LINES + 1} lines (at most ${MAX_LINES})`])
  })
})
