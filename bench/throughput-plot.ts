/**
 * The throughput chart of `npm run bench -- --write` (docs/performance-throughput.svg), as a
 * hand-written SVG (no dependency): for each concurrency a group of bars, one per client, at
 * its median requests/s over the rounds, with a whisker from its slowest to its fastest round
 * and a dashed line across the group at bare ky's median (the baseline of every ratio).
 */
import { BASELINE } from './clients.ts'
import type { Row } from './report.ts'
import { escapeXml, niceScale, num } from './svg.ts'

const WIDTH = 900
const HEIGHT = 500
const LEFT = 80
const RIGHT = 20
const TOP = 96
const BOTTOM = 64
const PLOT_WIDTH = WIDTH - LEFT - RIGHT
const PLOT_HEIGHT = HEIGHT - TOP - BOTTOM

// Distinguishable colours, in client order (the lowest layer first, ply last).
const PALETTE = ['#7f7f7f', '#9467bd', '#1f77b4', '#17becf', '#8c564b', '#2ca02c', '#bcbd22', '#d62728', '#e377c2']
const AXIS = '#333'
const GRID = '#e3e3e3'

/** `n` requests/s, short: `5.2k`, `870`. */
function short(n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(Math.round(n))
}

/** The legend: one swatch per client, then the baseline's dashed line, wrapped onto as many lines as needed. */
function legend(clients: readonly string[]): string[] {
  const items = [...clients.map((client, i) => ({ label: client, colour: PALETTE[i % PALETTE.length] })), undefined]
  const out: string[] = []
  let x = LEFT
  let y = 48
  for (const item of items) {
    const label = item?.label ?? `${BASELINE}'s median`
    const width = 36 + label.length * 6.4
    if (x + width > WIDTH - RIGHT) {
      x = LEFT
      y += 18
    }
    out.push(
      item === undefined
        ? `<line x1="${num(x)}" x2="${num(x + 14)}" y1="${y - 3}" y2="${y - 3}" stroke="${AXIS}" stroke-dasharray="5 3"/>`
        : `<rect x="${num(x)}" y="${y - 9}" width="12" height="12" fill="${item.colour}"/>`,
      `<text x="${num(x + 19)}" y="${y + 1}" font-size="12">${escapeXml(label)}</text>`,
    )
    x += width
  }
  return out
}

/** The whole SVG document for `rows` (one per client and concurrency, as `rowsOf` gives them). */
export function throughputSvg(rows: readonly Row[], title: string): string {
  const clients = [...new Set(rows.map((r) => r.client))]
  const concurrencies = [...new Set(rows.map((r) => r.concurrency))].sort((a, b) => a - b)
  const { max, step } = niceScale(Math.max(...rows.map((r) => r.maxRps)) * 1.08)
  const y = (rps: number): number => TOP + PLOT_HEIGHT - (rps / max) * PLOT_HEIGHT
  const groupWidth = PLOT_WIDTH / concurrencies.length
  const barWidth = (groupWidth * 0.84) / clients.length
  const out: string[] = []
  for (let tick = 0; tick <= max + 1e-9; tick += step) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${num(y(tick))}" y2="${num(y(tick))}" stroke="${GRID}"/>`,
      `<text x="${LEFT - 8}" y="${num(y(tick) + 4)}" font-size="11" text-anchor="end">${tick.toLocaleString('en-US')}</text>`,
    )
  }
  concurrencies.forEach((concurrency, g) => {
    const groupLeft = LEFT + g * groupWidth + groupWidth * 0.08
    clients.forEach((client, c) => {
      const r = rows.find((row) => row.client === client && row.concurrency === concurrency)
      if (r === undefined) return
      const left = groupLeft + c * barWidth
      const centre = left + barWidth / 2
      const cap = Math.min(barWidth * 0.3, 5)
      out.push(
        `<rect x="${num(left + 1)}" y="${num(y(r.rps))}" width="${num(barWidth - 2)}" height="${num(TOP + PLOT_HEIGHT - y(r.rps))}" fill="${PALETTE[c % PALETTE.length]}"><title>${escapeXml(`${client}, concurrency ${concurrency}: ${Math.round(r.rps)} req/s (${Math.round(r.minRps)}–${Math.round(r.maxRps)}), ${r.ratio.toFixed(2)}× ${BASELINE}`)}</title></rect>`,
        `<line x1="${num(centre)}" x2="${num(centre)}" y1="${num(y(r.minRps))}" y2="${num(y(r.maxRps))}" stroke="${AXIS}"/>`,
        `<line x1="${num(centre - cap)}" x2="${num(centre + cap)}" y1="${num(y(r.minRps))}" y2="${num(y(r.minRps))}" stroke="${AXIS}"/>`,
        `<line x1="${num(centre - cap)}" x2="${num(centre + cap)}" y1="${num(y(r.maxRps))}" y2="${num(y(r.maxRps))}" stroke="${AXIS}"/>`,
        `<text transform="translate(${num(centre + 4)} ${num(y(r.maxRps) - 5)}) rotate(-90)" font-size="10">${short(r.rps)}</text>`,
      )
    })
    const baseline = rows.find((row) => row.client === BASELINE && row.concurrency === concurrency)
    if (baseline !== undefined)
      out.push(
        `<line x1="${num(groupLeft)}" x2="${num(groupLeft + clients.length * barWidth)}" y1="${num(y(baseline.rps))}" y2="${num(y(baseline.rps))}" stroke="${AXIS}" stroke-dasharray="5 3"/>`,
      )
    out.push(
      `<text x="${num(LEFT + (g + 0.5) * groupWidth)}" y="${TOP + PLOT_HEIGHT + 20}" font-size="13" text-anchor="middle">${concurrency}</text>`,
    )
  })
  out.push(
    `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${TOP + PLOT_HEIGHT}" y2="${TOP + PLOT_HEIGHT}" stroke="${AXIS}"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${TOP + PLOT_HEIGHT}" stroke="${AXIS}"/>`,
    `<text x="${LEFT + PLOT_WIDTH / 2}" y="${TOP + PLOT_HEIGHT + 44}" font-size="12" text-anchor="middle">concurrency (workers, each making one call after another)</text>`,
    `<text transform="translate(${LEFT - 58} ${TOP + PLOT_HEIGHT / 2}) rotate(-90)" font-size="12" text-anchor="middle">requests/s: median of rounds (whiskers: slowest–fastest round)</text>`,
  )
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" role="img" aria-labelledby="title">`,
    `<title id="title">${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${LEFT}" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...legend(clients),
    ...out,
    '</svg>',
    '',
  ].join('\n')
}
