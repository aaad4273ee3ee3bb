import type { RequestOptions } from '../../src/index.ts'

/** One call of the soak: its kind (for the counts), method, path and options. */
export interface SoakCall {
  readonly kind: string
  readonly method: 'GET' | 'POST'
  readonly path: string
  readonly options: RequestOptions
}

/**
 * The soak's mix, by the call's number `i`, out of every 200 calls: 146 plain successes (120
 * GETs with URLs of their own, 20 GETs over 20 cacheable URLs that stay cached, 6 POSTs), and
 * 54 calls that meet a fault of every kind the chaos server has. Deterministic, so that two
 * runs make the same calls. `other` is the second origin.
 */
export function soakCall(i: number, other: string): SoakCall {
  const slot = i % 200
  const get = (kind: string, path: string, options: RequestOptions = {}): SoakCall => ({
    kind,
    method: 'GET',
    path,
    options,
  })
  const post = (kind: string, path: string): SoakCall => ({ kind, method: 'POST', path, options: { json: { i } } })
  if (slot < 120) return get('ok', `/ok/u${i}`)
  if (slot < 140) return get('ok cached', `/ok/c${i % 20}?maxAge=3600`)
  if (slot < 146) return post('POST ok', `/ok/p${i}`)
  if (slot < 152) return get('503', `/status/503/u${i}`)
  if (slot < 155) return post('POST 503', `/status/503/p${i}`)
  if (slot < 160) return get('429 Retry-After: 0', `/status/429/u${i}?retryAfter=0`)
  if (slot < 164) return get('reset before', `/reset-before/u${i}`)
  if (slot < 166) return post('POST reset before', `/reset-before/p${i}`)
  if (slot < 169) return get('reset during', `/reset-during/u${i}`)
  if (slot < 172) return get('truncated', `/truncated/u${i}`)
  if (slot < 175) return get('malformed', `/malformed/u${i}`)
  if (slot < 180) return get('redirect across origins', `/redirect/u${i}?to=${encodeURIComponent(`${other}/ok/x${i}`)}`)
  if (slot < 182) return get('redirect loop', `/loop/u${i}`)
  // A short deadline: "never answers" costs 40 ms, not the run's per-attempt timeout three times.
  if (slot < 183) return get('never', `/never/u${i}`, { deadline: 40 })
  if (slot < 192) return get('slow', `/slow/u${i}?ms=5`)
  return get('aborted', `/slow/a${i}?ms=60`, { signal: AbortSignal.timeout(10) })
}
