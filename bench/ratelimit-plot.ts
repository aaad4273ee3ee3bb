/**
 * The precision plot of `bench/ratelimit.ts`, as a hand-written SVG (no dependency): one
 * panel per configured rate, each with the requests started per 100 ms (a step line), the
 * starts in the trailing second ÷ 10 (what the limit bounds, on the same scale), and the
 * configured limit per 100 ms (R/10, dashed).
 */
import { escapeXml, niceScale, num } from './svg.ts'

/** One configured rate's run: start times in ms from the run's start. */
export interface PlotPanel {
  readonly rate: number
  readonly durationMs: number
  readonly starts: readonly number[]
  /** A short line under the panel's title (achieved rate, max in any second). */
  readonly note: string
}

const BIN_MS = 100
const WIDTH = 760
const PANEL_HEIGHT = 190
const TOP = 64
const GAP = 34
const LEFT = 64
const RIGHT = 24
const PLOT_WIDTH = WIDTH - LEFT - RIGHT
const PLOT_HEIGHT = PANEL_HEIGHT - 56

const COLOUR = { bins: '#1f6fb4', trailing: '#2a9d4b', limit: '#c0392b', axis: '#333', grid: '#e3e3e3' }

/** Starts per 100 ms bin over [0, durationMs). */
export function binCounts(starts: readonly number[], durationMs: number): number[] {
  const bins = new Array<number>(Math.ceil(durationMs / BIN_MS)).fill(0)
  for (const start of starts) {
    const bin = Math.floor(start / BIN_MS)
    if (bin >= 0 && bin < bins.length) bins[bin] = (bins[bin] ?? 0) + 1
  }
  return bins
}

/**
 * The most starts in a trailing second (t − 1000, t] for t anywhere in each `stepMs` step over
 * [0, durationMs]: the count peaks at a start, so every start is looked at, and short peaks
 * show even when narrower than a step.
 */
function trailingSecond(starts: readonly number[], durationMs: number, stepMs: number): [number, number][] {
  const sorted = [...starts].sort((a, b) => a - b)
  const points: [number, number][] = []
  let low = 0
  let high = 0
  for (let t = 0; t <= durationMs; t += stepMs) {
    let most = 0
    while (high < sorted.length && (sorted[high] as number) <= t) {
      const at = sorted[high] as number
      high++
      while (low < high && (sorted[low] as number) <= at - 1000) low++
      most = Math.max(most, high - low)
    }
    while (low < high && (sorted[low] as number) <= t - 1000) low++
    points.push([t, Math.max(most, high - low)])
  }
  return points
}

function panelSvg(panel: PlotPanel, top: number): string[] {
  const bins = binCounts(panel.starts, panel.durationMs)
  const trailing = trailingSecond(panel.starts, panel.durationMs, 10)
  const limit = panel.rate / 10
  const { max, step } = niceScale(Math.max(limit * 1.25, ...bins))
  const x = (ms: number): number => LEFT + (ms / panel.durationMs) * PLOT_WIDTH
  const y = (count: number): number => top + PLOT_HEIGHT - (count / max) * PLOT_HEIGHT
  const out: string[] = []
  out.push(
    `<text x="${LEFT}" y="${top - 22}" font-size="14" font-weight="bold">perSecond: ${panel.rate.toLocaleString('en-US')}</text>`,
    `<text x="${LEFT}" y="${top - 7}" font-size="11" fill="#555">${escapeXml(panel.note)}</text>`,
  )
  for (let tick = 0; tick <= max + 1e-9; tick += step) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${num(y(tick))}" y2="${num(y(tick))}" stroke="${COLOUR.grid}"/>`,
      `<text x="${LEFT - 6}" y="${num(y(tick) + 4)}" font-size="11" text-anchor="end">${num(tick)}</text>`,
    )
  }
  const secondStep = panel.durationMs > 3000 ? 1000 : 500
  for (let ms = 0; ms <= panel.durationMs; ms += secondStep) {
    out.push(
      `<line x1="${num(x(ms))}" x2="${num(x(ms))}" y1="${top + PLOT_HEIGHT}" y2="${top + PLOT_HEIGHT + 4}" stroke="${COLOUR.axis}"/>`,
      `<text x="${num(x(ms))}" y="${top + PLOT_HEIGHT + 17}" font-size="11" text-anchor="middle">${num(ms / 1000)}</text>`,
    )
  }
  out.push(
    `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${top + PLOT_HEIGHT}" y2="${top + PLOT_HEIGHT}" stroke="${COLOUR.axis}"/>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${top}" y2="${top + PLOT_HEIGHT}" stroke="${COLOUR.axis}"/>`,
    `<text x="${LEFT + PLOT_WIDTH / 2}" y="${top + PLOT_HEIGHT + 32}" font-size="11" text-anchor="middle">time since the run began (s)</text>`,
    `<text transform="translate(${LEFT - 40} ${top + PLOT_HEIGHT / 2}) rotate(-90)" font-size="11" text-anchor="middle">starts / 100 ms</text>`,
  )
  const steps = bins.flatMap((count, i) => [
    `${num(x(i * BIN_MS))},${num(y(count))}`,
    `${num(x(Math.min((i + 1) * BIN_MS, panel.durationMs)))},${num(y(count))}`,
  ])
  out.push(
    `<polyline fill="none" stroke="${COLOUR.bins}" stroke-width="1.6" points="${steps.join(' ')}"/>`,
    `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${num(y(limit))}" y2="${num(y(limit))}" stroke="${COLOUR.limit}" stroke-width="1.6" stroke-dasharray="6 4"/>`,
    `<polyline fill="none" stroke="${COLOUR.trailing}" stroke-width="1.4" points="${trailing.map(([t, n]) => `${num(x(t))},${num(y(n / 10))}`).join(' ')}"/>`,
  )
  return out
}

function legend(): string[] {
  const items: [string, string, string][] = [
    [COLOUR.bins, '', 'requests started per 100 ms'],
    [COLOUR.trailing, '', 'most starts in the trailing second ÷ 10'],
    [COLOUR.limit, '6 4', 'configured limit per 100 ms: R/10'],
  ]
  const out: string[] = []
  let at = LEFT
  for (const [colour, dash, label] of items) {
    const dashed = dash === '' ? '' : ` stroke-dasharray="${dash}"`
    out.push(
      `<line x1="${at}" x2="${at + 24}" y1="32" y2="32" stroke="${colour}" stroke-width="2"${dashed}/>`,
      `<text x="${at + 30}" y="36" font-size="11">${escapeXml(label)}</text>`,
    )
    at += 38 + label.length * 6
  }
  return out
}

/** The whole SVG document. */
export function precisionSvg(panels: readonly PlotPanel[], title: string): string {
  const height = TOP + panels.length * (PANEL_HEIGHT + GAP)
  const body = panels.flatMap((panel, i) => panelSvg(panel, TOP + 30 + i * (PANEL_HEIGHT + GAP)))
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" role="img" aria-labelledby="title">`,
    '<title id="title">Requests started per 100 ms against the configured rate limit</title>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...legend(),
    ...body,
    '</svg>',
    '',
  ].join('\n')
}
