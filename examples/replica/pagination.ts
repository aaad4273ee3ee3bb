/** One page of a list, with the `Link` header GitHub would send for it. */
export interface Page<T> {
  readonly items: readonly T[]
  /** The `Link` header value, or `undefined` when everything fits on one page. */
  readonly link: string | undefined
}

/** GitHub's default and maximum `per_page`. */
const DEFAULT_PER_PAGE = 30
const MAX_PER_PAGE = 100

/** A positive integer query parameter, or `fallback` when absent or not a positive integer. */
function positive(value: string | null, fallback: number): number {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return fallback
  const n = Number(value)
  return n >= 1 ? n : fallback
}

/**
 * Cuts `items` into the page that `url`'s `page` and `per_page` ask for (per_page: default 30,
 * at most 100; pages count from 1; anything unparseable falls back to the default) and builds
 * GitHub's `Link` header: `prev`, `next`, `last`, `first` in that order, each present only
 * when it leads somewhere (no `prev`/`first` on page 1, no `next`/`last` on the last page).
 * The link URLs are `url` with only `page` changed, so every other query parameter is kept.
 * A page past the end is empty, with `prev` and `first` links.
 */
export function paginate<T>(items: readonly T[], url: URL): Page<T> {
  const perPage = Math.min(MAX_PER_PAGE, positive(url.searchParams.get('per_page'), DEFAULT_PER_PAGE))
  const page = positive(url.searchParams.get('page'), 1)
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const slice = items.slice((page - 1) * perPage, page * perPage)
  const at = (n: number, rel: string) => {
    const target = new URL(url)
    target.searchParams.set('page', String(n))
    return `<${target.href}>; rel="${rel}"`
  }
  const links: string[] = []
  if (page > 1) links.push(at(Math.min(page - 1, last), 'prev'))
  if (page < last) links.push(at(page + 1, 'next'), at(last, 'last'))
  if (page > 1) links.push(at(1, 'first'))
  return { items: slice, link: links.length > 0 ? links.join(', ') : undefined }
}
