import { readFileSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'

/** One name an entry exports, and the module it comes from. */
export interface ExportedName {
  /** The name as the entry exports it. */
  readonly name: string
  /** The name in `from` (differs from `name` for `export { a as b }`). */
  readonly local: string
  /** The module that holds it, relative to the repository root. */
  readonly from: string
}

const REEXPORT = /export\s+(?:type\s+)?\{([^}]*)\}\s*from\s*'([^']+)'/g
const STAR = /export\s+\*\s+from\s*'([^']+)'/g
const LOCAL_LIST = /export\s+(?:type\s+)?\{([^}]*)\}(?!\s*from)/g
const DECLARATION_KINDS =
  '(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?(?:function\\*?|class|interface|type|const|let|enum)'

/** Reads a file of the repository, `path` relative to `root`. */
export type ReadSource = (path: string) => string

/** A reader of the repository's files, with comments kept (the JSDoc check needs them). */
export function sourceReader(root: string): ReadSource {
  const cache = new Map<string, string>()
  return (path) => {
    let text = cache.get(path)
    if (text === undefined) {
      text = readFileSync(join(root, path), 'utf8')
      cache.set(path, text)
    }
    return text
  }
}

function resolve(from: string, specifier: string): string {
  return normalize(join(dirname(from), specifier))
}

function specifiers(list: string): { name: string; local: string }[] {
  return list
    .split(',')
    .map((part) => part.trim().replace(/^type\s+/, ''))
    .filter((part) => part !== '')
    .map((part) => {
      const [local, alias] = part.split(/\s+as\s+/) as [string, string | undefined]
      return { local: local.trim(), name: (alias ?? local).trim() }
    })
}

/**
 * The names an entry file exports through `export { … } from` and `export * from` (followed
 * into the module it names). Entries are re-export lists; a declaration written in the entry
 * itself is not one of ours.
 */
export function entryExports(entry: string, read: ReadSource): ExportedName[] {
  const source = read(entry)
  const names: ExportedName[] = []
  for (const match of source.matchAll(REEXPORT)) {
    const from = resolve(entry, match[2] as string)
    for (const { name, local } of specifiers(match[1] as string)) names.push({ name, local, from })
  }
  for (const match of source.matchAll(STAR)) names.push(...entryExports(resolve(entry, match[1] as string), read))
  return names
}

/** Where `name` is declared, following re-exports and local export lists; `undefined` if not found. */
export function declarationOf(
  name: string,
  file: string,
  read: ReadSource,
): { file: string; jsdoc: boolean } | undefined {
  const source = read(file)
  const declared = new RegExp(`^export\\s+${DECLARATION_KINDS}\\s+${name}\\b`, 'm').exec(source)
  if (declared !== null) return { file, jsdoc: hasJsDoc(source.slice(0, declared.index)) }
  for (const match of source.matchAll(REEXPORT)) {
    const found = specifiers(match[1] as string).find((spec) => spec.name === name)
    if (found) return declarationOf(found.local, resolve(file, match[2] as string), read)
  }
  for (const match of source.matchAll(LOCAL_LIST)) {
    const found = specifiers(match[1] as string).find((spec) => spec.name === name)
    if (found === undefined) continue
    const imported = new RegExp(
      `import\\s+(?:type\\s+)?\\{[^}]*\\b${found.local}\\b[^}]*\\}\\s*from\\s*'([^']+)'`,
    ).exec(source)
    if (imported !== null) return declarationOf(found.local, resolve(file, imported[1] as string), read)
  }
  return undefined
}

/**
 * Whether the text before a declaration ends with a `/** … *\/` comment: line comments
 * (a lint directive) may stand between it and the declaration.
 */
function hasJsDoc(before: string): boolean {
  const lines = before.trimEnd().split('\n')
  while (lines.length > 0 && (lines.at(-1) as string).trim().startsWith('//')) lines.pop()
  const text = lines.join('\n').trimEnd()
  if (!text.endsWith('*/')) return false
  const start = text.lastIndexOf('/*')
  return start !== -1 && text.startsWith('/**', start) && text.slice(start + 3, -2).trim() !== ''
}
