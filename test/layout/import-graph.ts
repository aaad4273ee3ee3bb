import { readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { scanImports } from './scan-imports.ts'

/** The folders the layering rule speaks of, in the order imports may point (roughly). */
export const LAYER_FOLDERS = ['src', 'middleware', 'presets', 'redis', 'cli'] as const

/** An import from one file of the repository to another, paths relative to its root. */
export interface Edge {
  readonly from: string
  readonly to: string
  readonly line: number
  readonly typeOnly: boolean
}

/** The graph of the scanned files, and the relative imports that lead to no file. */
export interface ImportGraph {
  readonly edges: readonly Edge[]
  readonly unresolved: readonly string[]
}

/** Every `.ts` file under the layer folders: path relative to `root` (with `/`) → its text. */
export function readSources(root: string): Map<string, string> {
  const sources = new Map<string, string>()
  for (const folder of LAYER_FOLDERS) {
    for (const entry of readdirSync(join(root, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue
      const path = posix.relative(root.split('\\').join('/'), join(entry.parentPath, entry.name).split('\\').join('/'))
      sources.set(path, readFileSync(join(entry.parentPath, entry.name), 'utf8'))
    }
  }
  return sources
}

/**
 * The package's own specifiers (`ply-http`, `ply-http/middleware`, …) → the source file of
 * each entry, read from package.json's `exports` (`./dist/src/index.js` → `src/index.ts`).
 */
export function packageEntries(manifest: { name: string; exports: Record<string, unknown> }): Map<string, string> {
  const entries = new Map<string, string>()
  for (const [subpath, target] of Object.entries(manifest.exports)) {
    const built = typeof target === 'object' && target !== null ? (target as { default?: unknown }).default : target
    const source = typeof built === 'string' ? /^\.\/dist\/(.+)\.js$/.exec(built)?.[1] : undefined
    if (source !== undefined) entries.set(manifest.name + subpath.slice(1), `${source}.ts`)
  }
  return entries
}

/**
 * The import edges among `sources`. A relative specifier is resolved as TypeScript does here
 * (the path as written, `.js` for `.ts`, or without extension `.ts` and `/index.ts`); one of
 * the package's own specifiers leads to its entry; any other bare specifier is a dependency
 * and no edge. `exists` tells whether a path outside `sources` is a file (a JSON manifest).
 */
export function buildGraph(
  sources: ReadonlyMap<string, string>,
  entries: ReadonlyMap<string, string>,
  exists: (path: string) => boolean = () => false,
): ImportGraph {
  const edges: Edge[] = []
  const unresolved: string[] = []
  const isFile = (path: string) => sources.has(path) || exists(path)
  for (const [from, text] of sources) {
    for (const ref of scanImports(text)) {
      const relative = ref.specifier.startsWith('./') || ref.specifier.startsWith('../')
      const to = relative
        ? resolveRelative(posix.join(posix.dirname(from), ref.specifier), isFile)
        : entries.get(ref.specifier)
      if (to !== undefined) edges.push({ from, to, line: ref.line, typeOnly: ref.typeOnly })
      else if (relative) unresolved.push(`${from}:${ref.line} imports '${ref.specifier}', which is no file`)
    }
  }
  return { edges, unresolved }
}

function resolveRelative(path: string, isFile: (path: string) => boolean): string | undefined {
  const candidates = [path, path.replace(/\.js$/, '.ts'), `${path}.ts`, `${path}/index.ts`]
  return candidates.find(isFile)
}

/**
 * Each import circle, as the files along it with the first repeated at the end. Type-only
 * edges count: a circle of types still means two files that cannot be understood apart.
 * One circle is shown per strongly connected component, the shortest through its first file.
 */
export function findCycles(edges: readonly Edge[]): string[][] {
  const next = new Map<string, Set<string>>()
  for (const { from, to } of edges) {
    if (!next.has(from)) next.set(from, new Set())
    next.get(from)?.add(to)
  }
  const cycles: string[][] = []
  for (const component of stronglyConnected(next)) {
    const [start] = [...component].sort()
    if (start === undefined) continue
    const selfLoop = next.get(start)?.has(start) === true
    if (component.size > 1 || selfLoop) cycles.push(shortestLoop(start, component, next))
  }
  return cycles.sort((a, b) => (a[0] as string).localeCompare(b[0] as string))
}

/** Tarjan's algorithm, iterative so that a deep chain of imports cannot overflow the stack. */
function stronglyConnected(next: ReadonlyMap<string, ReadonlySet<string>>): Set<string>[] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const components: Set<string>[] = []
  for (const root of next.keys()) {
    if (index.has(root)) continue
    const work: { node: string; targets: Iterator<string> }[] = []
    const enter = (node: string) => {
      index.set(node, index.size)
      low.set(node, index.get(node) as number)
      stack.push(node)
      onStack.add(node)
      work.push({ node, targets: (next.get(node) ?? new Set<string>()).values() })
    }
    enter(root)
    while (work.length > 0) {
      const frame = work.at(-1) as { node: string; targets: Iterator<string> }
      const step = frame.targets.next()
      if (!step.done) {
        const target = step.value
        if (!index.has(target)) enter(target)
        else if (onStack.has(target))
          low.set(frame.node, Math.min(low.get(frame.node) as number, index.get(target) as number))
        continue
      }
      work.pop()
      const parent = work.at(-1)
      if (parent !== undefined)
        low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(frame.node) as number))
      if (low.get(frame.node) === index.get(frame.node)) {
        const component = new Set<string>()
        let member: string | undefined
        do {
          member = stack.pop() as string
          onStack.delete(member)
          component.add(member)
        } while (member !== frame.node)
        components.push(component)
      }
    }
  }
  return components
}

function shortestLoop(
  start: string,
  within: ReadonlySet<string>,
  next: ReadonlyMap<string, ReadonlySet<string>>,
): string[] {
  const cameFrom = new Map<string, string>()
  const queue = [start]
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as string
    for (const target of next.get(node) ?? []) {
      if (!within.has(target)) continue
      if (target === start) {
        const path: string[] = []
        for (let at = node; at !== start; at = cameFrom.get(at) as string) path.unshift(at)
        return [start, ...path, start]
      }
      if (cameFrom.has(target)) continue
      cameFrom.set(target, node)
      queue.push(target)
    }
  }
  return [start]
}

/**
 * The imports that break docs/architecture.md's layering rule, each naming the file, its line,
 * the file imported and the rule. `entries` are the package's entry files (`src/index.ts`, …).
 */
export function layeringViolations(edges: readonly Edge[], entries: ReadonlySet<string>): string[] {
  const problems: string[] = []
  for (const edge of edges) {
    const rule = brokenRule(edge, entries)
    if (rule !== undefined) problems.push(`${edge.from}:${edge.line} imports ${edge.to}: ${rule}`)
  }
  return problems
}

function brokenRule(edge: Edge, entries: ReadonlySet<string>): string | undefined {
  const from = folderOf(edge.from)
  const to = folderOf(edge.to)
  if (from === to || to === undefined) return undefined
  if (to === 'cli') return 'nothing imports from cli/'
  switch (from) {
    case 'src':
      return 'src/ never imports from middleware/, presets/, redis/ or cli/'
    case 'middleware':
      if (edge.to === 'src/index.ts' || edge.to === 'src/kit.ts') return undefined
      return to === 'src'
        ? "middleware/ imports from src/ only through src/index.ts and src/kit.ts, the core's public surface"
        : 'middleware/ imports only from src/ (and middleware/shared/)'
    case 'presets':
      return to === 'redis' ? 'presets/ import from src/ and middleware/, never from redis/' : undefined
    case 'redis':
      return to === 'src' || edge.typeOnly
        ? undefined
        : 'redis/ imports only types (import type) from middleware/ and presets/'
    case 'cli':
      return entries.has(edge.to) ? undefined : `cli/ imports from the entries (${[...entries].sort().join(', ')})`
    default:
      return undefined
  }
}

function folderOf(path: string): (typeof LAYER_FOLDERS)[number] | undefined {
  const top = path.split('/')[0]
  return LAYER_FOLDERS.find((folder) => folder === top)
}

/** The files longer than `limit` lines, with their length. */
export function oversized(sources: ReadonlyMap<string, string>, limit: number): string[] {
  const long: string[] = []
  for (const [path, text] of sources) {
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
    if (lines > limit) long.push(`${path}: ${lines} lines (at most ${limit})`)
  }
  return long.sort()
}
