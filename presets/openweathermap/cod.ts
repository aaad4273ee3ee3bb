/**
 * OpenWeatherMap's `cod` as a number. The current-weather endpoint sends `200`, the forecast
 * `"200"`, and error bodies either (`{"cod":"404","message":"city not found"}`).
 */
export function codOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value)
  return undefined
}

/** `data` with its `cod` as a number: a copy when it was a string, `data` itself otherwise. */
export function withNumericCod<T>(data: T): T {
  if (typeof data !== 'object' || data === null || !('cod' in data) || typeof data.cod === 'number') return data
  const cod = codOf(data.cod)
  // A copy, not an edit: a deduplicated call shares its parsed data with the call it joined.
  return cod === undefined ? data : { ...data, cod }
}
