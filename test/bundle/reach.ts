import { existsSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BuildOptions, build, type Loader, type Message, type Metafile, type Plugin, transform } from 'esbuild'

/** The repository's root: esbuild's working directory, so the metafile's paths are relative to it. */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The name esbuild gives the entry (stdin), in messages and in the metafile. */
const ENTRY_NAME = 'browser-entry.ts'

/** What a browser bundle of `entry` would contain, and what in it a browser cannot run. */
export interface BrowserReach {
  /** Every module the bundle takes in, as the metafile names them (relative to the root). */
  readonly inputs: readonly string[]
  /** Each a sentence naming the file: a build error, a Node built-in reached, a `Buffer` used. */
  readonly problems: readonly string[]
}

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))

/** Whether `specifier` names a Node built-in (`node:crypto`, `crypto`, `fs/promises`, …). */
function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0] ?? '')
}

function options(entry: string): BuildOptions & { metafile: true; write: false } {
  return {
    stdin: { contents: entry, resolveDir: ROOT, sourcefile: ENTRY_NAME, loader: 'ts' },
    absWorkingDir: ROOT,
    platform: 'browser',
    bundle: true,
    format: 'esm',
    target: 'es2023',
    write: false,
    metafile: true,
    logLevel: 'silent',
  }
}

/**
 * Bundles `entry` (module source, resolved from the repository's root) as a browser gets it:
 * `platform: 'browser'`, ES module, nothing external, so a Node built-in fails the build. When
 * it does, a second build with the built-ins set aside tells through which files each was
 * reached; either way every input is scanned for `Buffer`.
 */
export async function browserReach(entry: string): Promise<BrowserReach> {
  try {
    const { metafile } = await build(options(entry))
    return { inputs: Object.keys(metafile.inputs), problems: await bufferUses(metafile) }
  } catch (error) {
    const errors = buildErrors(error)
    const traced = await build({ ...options(entry), plugins: [setBuiltinsAside] }).catch(() => undefined)
    if (traced === undefined) return { inputs: [], problems: errors.map(describeError) }
    const metafile = traced.metafile
    const builtinFailures = builtinImports(metafile)
    // esbuild's own errors, except the built-ins the trace names with their path.
    const others = errors.filter((message) => !isBuiltinFailure(message)).map(describeError)
    return {
      inputs: Object.keys(metafile.inputs),
      problems: [...others, ...builtinFailures, ...(await bufferUses(metafile))],
    }
  }
}

/** Marks Node built-ins external, for the trace only: the real build must fail on them. */
const setBuiltinsAside: Plugin = {
  name: 'set-node-builtins-aside',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => (isBuiltin(args.path) ? { path: args.path, external: true } : null))
  },
}

function buildErrors(error: unknown): Message[] {
  const errors = (error as { errors?: Message[] }).errors
  if (!Array.isArray(errors)) throw error
  return errors
}

function isBuiltinFailure(message: Message): boolean {
  const match = /^Could not resolve "([^"]+)"/.exec(message.text)
  return match?.[1] !== undefined && isBuiltin(match[1])
}

function describeError(message: Message): string {
  return `${message.location?.file ?? ENTRY_NAME}: ${message.text}`
}

/** One sentence per file that imports a Node built-in, with the import path that reaches it. */
function builtinImports(metafile: Metafile): string[] {
  const parents = importTree(metafile)
  const problems: string[] = []
  for (const [file, input] of Object.entries(metafile.inputs)) {
    const builtins = input.imports.filter((record) => record.external && isBuiltin(record.path)).map((r) => r.path)
    if (builtins.length === 0) continue
    const names = [...new Set(builtins)].map((name) => `"${name}"`).join(', ')
    problems.push(`${file} imports the Node built-in ${names}, reached through ${chainTo(file, parents)}`)
  }
  return problems
}

/** For every input, the input that first imported it (breadth first from the entry). */
function importTree(metafile: Metafile): Map<string, string> {
  const parents = new Map<string, string>()
  const entry = Object.keys(metafile.inputs).find((file) => file.endsWith(ENTRY_NAME)) ?? ''
  const queue = [entry]
  const seen = new Set(queue)
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    for (const record of metafile.inputs[file]?.imports ?? []) {
      if (record.external || seen.has(record.path)) continue
      seen.add(record.path)
      parents.set(record.path, file)
      queue.push(record.path)
    }
  }
  return parents
}

/**
 * The import path from the entry to `file`: every file of the repository on the way, and of a
 * package only the first file reached in it.
 */
function chainTo(file: string, parents: Map<string, string>): string {
  const chain: string[] = []
  for (let at: string | undefined = file; at !== undefined; at = parents.get(at)) chain.unshift(at)
  const shown = chain.filter((at, i) => !at.includes('node_modules/') || !chain[i - 1]?.includes('node_modules/'))
  return shown.join(' → ')
}

const LOADERS: Record<string, Loader> = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.js': 'js',
  '.mjs': 'js',
  '.cjs': 'js',
}
// What a reference to the global Buffer is replaced with: esbuild's `define` replaces only
// references to the global, never a comment, a string, a property name or a local binding.
const MARK = '__BROWSER_REACH_BUFFER__'
const BUFFER_GLOBALS = ['Buffer', 'globalThis.Buffer', 'global.Buffer', 'self.Buffer', 'window.Buffer']

/**
 * One sentence per input whose code refers to the global `Buffer`. The repository's own code
 * may not name it at all; a package may only feature-detect it (`typeof Buffer`, and
 * `typeof Buffer !== 'undefined' && Buffer…`), which never runs a Buffer where there is none.
 */
async function bufferUses(metafile: Metafile): Promise<string[]> {
  const problems: string[] = []
  for (const file of Object.keys(metafile.inputs)) {
    const loader = LOADERS[path.extname(file)]
    const absolute = path.resolve(ROOT, file)
    if (loader === undefined || !existsSync(absolute)) continue
    const ownCode = !file.includes('node_modules/')
    const uses = await bufferReferences(readFileSync(absolute, 'utf8'), loader)
    if (ownCode ? uses.all > 0 : uses.unguarded > 0) {
      problems.push(`${file} refers to Buffer, which browsers do not have`)
    }
  }
  return problems
}

/** How often `source`'s code refers to the global `Buffer`, and how often without a guard. */
export async function bufferReferences(source: string, loader: Loader): Promise<{ all: number; unguarded: number }> {
  const define = Object.fromEntries(BUFFER_GLOBALS.map((name) => [name, MARK]))
  const { code } = await transform(source, { loader, define, logLevel: 'silent' })
  const count = (text: string) => text.split(MARK).length - 1
  // esbuild prints every guard in one form: `typeof X !== "undefined" && X…` (or `!=`, or mirrored).
  const unguarded = code
    .replaceAll(new RegExp(`typeof ${MARK} !==? "undefined" && ${MARK}\\b`, 'g'), '')
    .replaceAll(new RegExp(`"undefined" !==? typeof ${MARK} && ${MARK}\\b`, 'g'), '')
    .replaceAll(`typeof ${MARK}`, '')
  return { all: count(code), unguarded: count(unguarded) }
}
