/** Small helpers for the hand-written SVG plots of the bench (no dependency). */

/** A round axis maximum and tick step at or above `value`, with about four ticks. */
export function niceScale(value: number): { max: number; step: number } {
  const rough = Math.max(value, 1) / 4
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rough) ?? 10) * magnitude
  return { max: Math.ceil(Math.max(value, 1) / step) * step, step }
}

/** `n` rounded to one decimal, as an SVG coordinate. */
export const num = (n: number): string => (Math.round(n * 10) / 10).toString()

/** `text` safe inside an SVG element or attribute. */
export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
