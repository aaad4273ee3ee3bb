/** A table as cells: a header row, body rows, and which columns hold numbers (right-aligned). */
export interface Table {
  readonly header: readonly string[]
  readonly rows: readonly (readonly string[])[]
  readonly numeric: readonly boolean[]
}

/** The table in markdown. */
export function toMarkdown(table: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  const rule = table.header.map((_, i) => (table.numeric[i] ? '---:' : '---'))
  return [line(table.header), line(rule), ...table.rows.map(line)].join('\n')
}

/** The table as plain text, its columns padded to line up in a terminal. */
export function toText(table: Table): string {
  const all = [table.header, ...table.rows]
  const widths = table.header.map((_, i) => Math.max(...all.map((row) => [...(row[i] ?? '')].length)))
  const pad = (cell: string, i: number) => {
    const gap = ' '.repeat((widths[i] ?? 0) - [...cell].length)
    return table.numeric[i] ? gap + cell : cell + gap
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => pad(cell, i))
      .join('  ')
      .trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('  ')
  return [line(table.header), rule, ...table.rows.map(line)].join('\n')
}
