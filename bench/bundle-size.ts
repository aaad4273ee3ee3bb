/**
 * The `bundle` section of `npm run bench`: what a browser downloads. esbuild bundles ky alone,
 * the `ply-http` core alone, and the core with every middleware of `ply-http/middleware`
 * (`platform: 'browser'`, ES module, minified, nothing external), each entry exporting its
 * whole public surface; the sizes are of the minified bundle and of it gzipped (`node:zlib`,
 * level 9). The largest contributors come from esbuild's metafile (minified bytes each input
 * puts in the bundle). It takes a second or two, the same with `--quick`; `--write` puts the
 * table in docs/performance.md.
 *
 *   npx node bench/bundle-size.ts   prints the table, writes nothing
 */
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile, type Plugin } from 'esbuild'
import { log } from './log.ts'
import { type DocSection, versionOf, whole, writeDoc } from './report.ts'
import { type Table, toMarkdown, toText } from './table.ts'

/** How to run the section. */
export interface BundleBenchOptions {
  readonly quick: boolean
  readonly write: boolean
  /** The command that started the run, as the page should quote it. */
  readonly command: string
}

/** Where the section's results go in docs/performance.md. */
export const BUNDLE_SECTION: DocSection = {
  start: '<!-- bench:bundle:start -->',
  end: '<!-- bench:bundle:end -->',
  heading: 'Bundle size',
}

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const KB = 1000
const CORE = "export * from './src/index.ts'\n"

/**
 * One bundle to measure: its name, its entry (module source, resolved from the root), its
 * target in gzipped bytes, and whether ply's optional peers are left out of it.
 */
interface BundleSpec {
  readonly name: string
  readonly entry: string
  readonly targetGzip?: number
  readonly withoutOptionalPeers?: boolean
}

const BUNDLES: readonly BundleSpec[] = [
  { name: 'ky alone', entry: "export * from 'ky'\nexport { default } from 'ky'\n" },
  { name: 'ply-http core', entry: CORE, targetGzip: 20 * KB },
  // What an application that only makes calls takes in: the rest of the core is tree-shaken.
  { name: 'ply-http core, createClient only', entry: "export { createClient } from './src/index.ts'\n" },
  {
    name: 'ply-http core + middlewares',
    entry: `${CORE}export * from './middleware/index.ts'\n`,
    targetGzip: 45 * KB,
  },
  // `tracing()` loads `@opentelemetry/api` with `import()` only when it is installed (it is
  // here); a bundler takes it in when it can resolve it.
  {
    name: 'ply-http core + middlewares, optional peers left out',
    entry: `${CORE}export * from './middleware/index.ts'\n`,
    withoutOptionalPeers: true,
  },
]

/** What one bundle measured. */
interface BundleSize {
  readonly spec: BundleSpec
  readonly minified: number
  readonly gzipped: number
  /** Minified bytes in the bundle by package (node_modules) or by ply folder, largest first. */
  readonly contributors: readonly (readonly [string, number])[]
  /** Minified bytes in the bundle by file of ply's own, largest first. */
  readonly ownFiles: readonly (readonly [string, number])[]
  /** The Node built-ins the entry reached, which had to be left external to build it at all. */
  readonly builtinsLeftOut: readonly string[]
}

const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]))
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] ?? '')

/** Leaves Node built-ins out, for an entry that does not build for a browser as it is. */
const leaveBuiltinsOut: Plugin = {
  name: 'leave-node-builtins-out',
  setup(builder) {
    builder.onResolve({ filter: /.*/ }, (args) => (isBuiltin(args.path) ? { path: args.path, external: true } : null))
  },
}

/** ply's optional peer dependencies, from its package.json. */
function optionalPeers(): string[] {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    peerDependenciesMeta?: Record<string, { optional?: boolean }>
  }
  return Object.entries(manifest.peerDependenciesMeta ?? {})
    .filter(([, meta]) => meta.optional === true)
    .map(([name]) => name)
}

async function bundle(spec: BundleSpec, plugins: Plugin[] = []): Promise<{ bytes: Uint8Array; metafile: Metafile }> {
  const result = await build({
    stdin: { contents: spec.entry, resolveDir: ROOT, sourcefile: 'entry.ts', loader: 'ts' },
    absWorkingDir: ROOT,
    platform: 'browser',
    bundle: true,
    format: 'esm',
    target: 'es2023',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins,
    external: spec.withoutOptionalPeers === true ? optionalPeers() : [],
  })
  const [output] = result.outputFiles
  if (output === undefined) throw new Error('esbuild produced no bundle')
  return { bytes: output.contents, metafile: result.metafile }
}

/**
 * Builds one bundle for the browser. An entry that reaches a Node built-in does not build;
 * it is then measured with the built-ins left out, and the row says so.
 */
async function measure(spec: BundleSpec): Promise<BundleSize> {
  let built: { bytes: Uint8Array; metafile: Metafile }
  let builtinsLeftOut: string[] = []
  try {
    built = await bundle(spec)
  } catch {
    built = await bundle(spec, [leaveBuiltinsOut])
    const imports = Object.values(built.metafile.inputs).flatMap((input) => input.imports)
    builtinsLeftOut = [...new Set(imports.filter((i) => i.external && isBuiltin(i.path)).map((i) => i.path))].sort()
  }
  return {
    spec,
    minified: built.bytes.byteLength,
    gzipped: gzipSync(built.bytes, { level: 9 }).byteLength,
    contributors: contributors(built.metafile, groupOf),
    ownFiles: contributors(built.metafile, (file) => (file.includes('node_modules/') ? undefined : file)),
    builtinsLeftOut,
  }
}

/** The bundle's minified bytes by group (`group` names an input's, or leaves it out), largest first. */
function contributors(metafile: Metafile, group: (file: string) => string | undefined): [string, number][] {
  const groups = new Map<string, number>()
  for (const output of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = group(file)
      if (name !== undefined) groups.set(name, (groups.get(name) ?? 0) + bytesInOutput)
    }
  }
  return [...groups].filter(([, bytes]) => bytes > 0).sort((a, b) => b[1] - a[1])
}

/** A package, or a folder of ply's own code (src/, middleware/cache, …). */
function groupOf(file: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file)
  if (pkg?.[1] !== undefined) return pkg[1]
  const [top, second] = file.split('/')
  if (top === 'middleware' && second !== undefined) return `ply middleware/${second.replace(/\.ts$/, '')}`
  return `ply ${top ?? file}/`
}

const kb = (bytes: number): string => (bytes / KB).toFixed(1)

function sizeTable(sizes: readonly BundleSize[]): Table {
  const ky = sizes.find((size) => size.spec.name === 'ky alone')
  const rows = sizes.map((size) => {
    const target = size.spec.targetGzip
    const verdict = target === undefined ? '' : size.gzipped <= target ? 'met' : '**not met**'
    return [
      size.builtinsLeftOut.length === 0 ? size.spec.name : `${size.spec.name} (Node built-ins left out)`,
      kb(size.minified),
      kb(size.gzipped),
      ky === undefined ? '' : `${(size.gzipped / ky.gzipped).toFixed(2)}×`,
      target === undefined ? '' : `≤ ${kb(target)}`,
      verdict,
    ]
  })
  return {
    header: ['Bundle', 'Minified kB', 'Gzipped kB', 'Gzipped × ky', 'Target kB (gzipped)', 'Target'],
    rows,
    numeric: [false, true, true, true, true, false],
  }
}

const TOP = 8

const listed = (entries: readonly (readonly [string, number])[], total: number): string =>
  entries.map(([name, bytes]) => `${name} ${kb(bytes)} (${Math.round((bytes / total) * 100)}%)`).join(', ')

/**
 * One line per ply bundle with a target: its largest contributors, and ply's own largest
 * files, with their share of the minified bundle.
 */
function contributorLines(sizes: readonly BundleSize[]): string[] {
  return sizes
    .filter((size) => size.spec.targetGzip !== undefined)
    .flatMap((size) => [
      `- Largest in ${size.spec.name}, minified kB: ${listed(size.contributors.slice(0, TOP), size.minified)}.`,
      `- ply's own largest files in it: ${listed(size.ownFiles.slice(0, TOP), size.minified)}.`,
    ])
}

function noteLines(sizes: readonly BundleSize[]): string[] {
  const lines = contributorLines(sizes)
  for (const size of sizes) {
    if (size.builtinsLeftOut.length === 0) continue
    lines.push(
      `- **${size.spec.name} does not build for a browser**: it reaches the Node built-ins ${size.builtinsLeftOut.map((name) => `\`${name}\``).join(', ')}, left out to measure it.`,
    )
  }
  return lines
}

/** Measures every bundle, prints the table, and with `write` updates docs/performance.md. */
export async function runBundleBench(options: BundleBenchOptions): Promise<void> {
  const sizes: BundleSize[] = []
  for (const spec of BUNDLES) {
    const size = await measure(spec)
    log(`bundle: ${spec.name}: ${whole(size.minified)} B minified, ${whole(size.gzipped)} B gzipped`)
    sizes.push(size)
  }
  const table = sizeTable(sizes)
  const notes = noteLines(sizes)
  console.log(['Bundle size', '', toText(table), '', ...notes].join('\n'))
  if (!options.write) return
  const software = `- esbuild ${await versionOf('esbuild')} (\`platform: 'browser'\`, \`format: 'esm'\`, \`target: 'es2023'\`, minified, nothing external), gzip level 9 (\`node:zlib\`); ky ${await versionOf('ky')}; 1 kB = 1,000 bytes`
  const section = [
    BUNDLE_SECTION.start,
    `Generated by \`${options.command}\`.`,
    '',
    `- Date: ${new Date().toISOString().slice(0, 10)}`,
    software,
    '',
    toMarkdown(table),
    '',
    ...notes,
    BUNDLE_SECTION.end,
  ].join('\n')
  await writeDoc(section, BUNDLE_SECTION)
  log(`docs/performance.md: "${BUNDLE_SECTION.heading}" rewritten`)
}

if (import.meta.main) await runBundleBench({ quick: false, write: false, command: 'npx node bench/bundle-size.ts' })
