/** One module a source file refers to. */
export interface ImportRef {
  /** The specifier as written: `'./events.ts'`, `'ky'`. */
  readonly specifier: string
  /**
   * Whether the reference vanishes from the emitted JavaScript: `import type`, `export type …
   * from`, `typeof import('…')` and `import('…').Name`. Under `verbatimModuleSyntax`,
   * `import { type A } from` still loads its module, so it is not type-only.
   */
  readonly typeOnly: boolean
  /** The 1-based line of the `import` or `export` keyword. */
  readonly line: number
}

type Token =
  | { readonly kind: 'word' | 'punct'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly text: string; readonly at: number }
  | { readonly kind: 'other'; readonly text: ''; readonly at: number }

/** After these, a `/` starts a regular expression rather than dividing. */
const BEFORE_REGEX = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
])
const DYNAMIC_IMPORT_VALUE_MEMBERS = new Set(['then', 'catch', 'finally'])
const PUNCT = /[{}()[\];,.<>+\-*%&|^!~?:=@#]/

/**
 * The modules a TypeScript file refers to: static imports and re-exports (type-only ones
 * included) and `import('…')` with a literal specifier. A small tokenizer rather than regular
 * expressions over the text, so that an `import … from '…'` quoted inside a string, a
 * template or a comment (an error message's advice, a doc example) is not taken for one.
 */
export function scanImports(source: string): ImportRef[] {
  const tokens = tokenize(source)
  const lineOf = lineLookup(source)
  const refs: ImportRef[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token
    if (token.kind !== 'word' || (token.text !== 'import' && token.text !== 'export')) continue
    if (isPunct(tokens[i - 1], '.')) continue // obj.import, import.meta is caught below
    const found = token.text === 'import' ? importAt(tokens, i) : reexportAt(tokens, i)
    if (found !== undefined) refs.push({ ...found, line: lineOf(token.at) })
  }
  return refs
}

function importAt(tokens: readonly Token[], i: number): Omit<ImportRef, 'line'> | undefined {
  const next = tokens[i + 1]
  if (next === undefined || isPunct(next, '.')) return undefined
  if (next.kind === 'string') return { specifier: next.text, typeOnly: false }
  if (isPunct(next, '(')) {
    const specifier = tokens[i + 2]
    if (specifier?.kind !== 'string' || !isPunct(tokens[i + 3], ')')) return undefined
    const member = isPunct(tokens[i + 4], '.') ? tokens[i + 5] : undefined
    const inType =
      isWord(tokens[i - 1], 'typeof') || (member?.kind === 'word' && !DYNAMIC_IMPORT_VALUE_MEMBERS.has(member.text))
    return { specifier: specifier.text, typeOnly: inType }
  }
  // `import type X from`, but not `import type from '…'` (a default import named `type`).
  const typeOnly = isWord(next, 'type') && !isWord(tokens[i + 2], 'from') && !isPunct(tokens[i + 2], ',')
  const specifier = specifierAfterFrom(tokens, i + 1)
  return specifier === undefined ? undefined : { specifier, typeOnly }
}

function reexportAt(tokens: readonly Token[], i: number): Omit<ImportRef, 'line'> | undefined {
  let j = i + 1
  const typeOnly = isWord(tokens[j], 'type')
  if (typeOnly) j++
  if (isPunct(tokens[j], '*')) {
    j++
    if (isWord(tokens[j], 'as')) j += 2
  } else if (isPunct(tokens[j], '{')) {
    while (j < tokens.length && !isPunct(tokens[j], '}')) j++
    j++
  } else {
    return undefined
  }
  const specifier = isWord(tokens[j], 'from') ? tokens[j + 1] : undefined
  return specifier?.kind === 'string' ? { specifier: specifier.text, typeOnly } : undefined
}

/** Tokens an import clause is made of: `a`, `{ b as c, type d }`, `* as e`. */
const IMPORT_CLAUSE_PUNCT = new Set(['{', '}', ',', '*'])

/**
 * The string after the clause's `from`. Any token an import clause cannot hold ends the
 * search, so `{ import: x }` is no import of whatever a later line names.
 */
function specifierAfterFrom(tokens: readonly Token[], start: number): string | undefined {
  for (let j = start; j < tokens.length; j++) {
    const token = tokens[j] as Token
    const next = tokens[j + 1]
    if (isWord(token, 'from') && next?.kind === 'string') return next.text
    if (token.kind !== 'word' && !(token.kind === 'punct' && IMPORT_CLAUSE_PUNCT.has(token.text))) return undefined
  }
  return undefined
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === 'punct' && token.text === text
}

function isWord(token: Token | undefined, text: string): boolean {
  return token?.kind === 'word' && token.text === text
}

/**
 * Words, punctuation and string literals (with their value); comments, numbers, regular
 * expressions and the text of templates are left out, the expressions inside `${…}` kept.
 */
function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  // The brace depth at which each open `${` of a template started.
  const templates: number[] = []
  let depth = 0
  let i = 0
  while (i < source.length) {
    const char = source[i] as string
    const rest = source.slice(i, i + 2)
    if (/\s/.test(char)) {
      i++
    } else if (rest === '//') {
      i = endOfLine(source, i)
    } else if (rest === '/*') {
      const end = source.indexOf('*/', i + 2)
      i = end === -1 ? source.length : end + 2
    } else if (char === "'" || char === '"') {
      const end = endOfQuoted(source, i, char)
      tokens.push({ kind: 'string', text: unescapeQuoted(source.slice(i + 1, end - 1)), at: i })
      i = end
    } else if (char === '`' || (char === '}' && templates.at(-1) === depth)) {
      if (char === '}') {
        templates.pop()
        depth--
      }
      const end = endOfTemplateText(source, i + 1)
      tokens.push({ kind: 'other', text: '', at: i })
      if (source[end - 1] === '{') templates.push(++depth)
      i = end
    } else if (char === '/') {
      if (startsRegex(tokens.at(-1))) {
        tokens.push({ kind: 'other', text: '', at: i })
        i = endOfRegex(source, i + 1)
      } else {
        tokens.push({ kind: 'punct', text: '/', at: i++ })
      }
    } else if (/[\p{L}_$]/u.test(char)) {
      const word = /^[\p{L}\p{N}_$]+/u.exec(source.slice(i))?.[0] ?? char
      tokens.push({ kind: 'word', text: word, at: i })
      i += word.length
    } else if (/[0-9]/.test(char)) {
      const number = /^[0-9a-zA-Z_.]+/.exec(source.slice(i))?.[0] ?? char
      tokens.push({ kind: 'other', text: '', at: i })
      i += number.length
    } else {
      if (char === '{') depth++
      if (char === '}') depth--
      tokens.push(PUNCT.test(char) ? { kind: 'punct', text: char, at: i } : { kind: 'other', text: '', at: i })
      i++
    }
  }
  return tokens
}

function startsRegex(previous: Token | undefined): boolean {
  if (previous === undefined) return true
  if (previous.kind === 'word') return BEFORE_REGEX.has(previous.text)
  if (previous.kind === 'punct') return previous.text !== ')' && previous.text !== ']' && previous.text !== '}'
  return false
}

function endOfLine(source: string, i: number): number {
  const end = source.indexOf('\n', i)
  return end === -1 ? source.length : end
}

/** The index after the closing quote. */
function endOfQuoted(source: string, i: number, quote: string): number {
  let j = i + 1
  while (j < source.length && source[j] !== quote && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1
  return j + 1
}

/** The index after the closing backtick, or after the `${` that interrupts the text. */
function endOfTemplateText(source: string, i: number): number {
  let j = i
  while (j < source.length) {
    if (source[j] === '\\') j += 2
    else if (source[j] === '`') return j + 1
    else if (source[j] === '$' && source[j + 1] === '{') return j + 2
    else j++
  }
  return j
}

/** The index after a regular expression's flags; a `/` inside `[…]` does not close it. */
function endOfRegex(source: string, i: number): number {
  let j = i
  let inClass = false
  while (j < source.length && source[j] !== '\n') {
    const char = source[j]
    if (char === '\\') j++
    else if (char === '[') inClass = true
    else if (char === ']') inClass = false
    else if (char === '/' && !inClass) break
    j++
  }
  j++
  while (j < source.length && /[a-z]/.test(source[j] as string)) j++
  return j
}

/** A quoted string's text with its backslash escapes undone (enough for module specifiers). */
function unescapeQuoted(text: string): string {
  return text.replace(/\\(.)/g, '$1')
}

function lineLookup(source: string): (at: number) => number {
  const starts = [0]
  for (let i = 0; i < source.length; i++) if (source[i] === '\n') starts.push(i + 1)
  return (at) => {
    let line = 0
    while (line + 1 < starts.length && (starts[line + 1] as number) <= at) line++
    return line + 1
  }
}
