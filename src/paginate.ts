import type { RequestOptions } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'
import { linkTarget } from './link-header.ts'
import { optionNames } from './options.ts'
import { redactUrl } from './redact.ts'
import type { ApiResponse } from './response.ts'

/** Where the next page is: a URL, options to merge into the first call's, or nothing (the end). */
export type NextPage = string | URL | Partial<RequestOptions> | undefined | null | false

/** What `paginate()` tells a `next` function besides the page itself. */
export interface PageInfo {
  /**
   * The URL that answered the page (after redirects), NOT redacted: unlike `page.url`, its
   * secret query parameters (`access_token=…`) and registered secrets are the real values, so
   * that a next-page URL built from it works. A fresh copy for each call, yours to change;
   * never log it.
   */
  readonly url: URL
}

/** Options of `client.paginate()`, next to the call's own options. */
export interface PaginateOptions<T, Item> {
  /**
   * Finds the next page; by default the `Link` header's `rel="next"` target (`nextLink`).
   * Return a URL (string or `URL`, resolved against the page's real URL), a partial
   * `RequestOptions` to merge into the previous page's options, or `undefined`, `null` or
   * `false` to stop. Build a next URL from `info.url`, not from `page.url`: `page.url` is
   * redacted, so a secret query parameter in it reads `[REDACTED]` and would be sent as such.
   * (The second argument was added later; a function taking only `page` still works.)
   */
  next?: ((page: ApiResponse<T>, info: PageInfo) => NextPage) | undefined
  /** Extracts a page's items; by default the page's data, which must then be an array. */
  items?: ((page: ApiResponse<T>) => Iterable<Item>) | undefined
  /** Stop after this many pages. */
  maxPages?: number | undefined
  /** Stop after this many items. */
  maxItems?: number | undefined
}

/** The names of `PaginateOptions`, which `client.paginate()` takes besides a call's options. */
export const PAGINATE_OPTIONS: ReadonlySet<string> = new Set(
  optionNames<PaginateOptions<unknown, unknown>>()(['next', 'items', 'maxPages', 'maxItems']),
)

/** A paginated collection: iterate it for items, `pages()` for responses, `all()` for an array. */
export interface Paginated<T, Item> extends AsyncIterable<Item> {
  /** The pages as responses, in order. */
  pages(): AsyncIterableIterator<ApiResponse<T>>
  /** Every item (up to `maxItems`), collected. */
  all(): Promise<Item[]>
}

/** Fetches one page; resolves to the response and the real (unredacted) URL that answered it. */
type Fetch<T> = (url: string, options: RequestOptions) => Promise<{ page: ApiResponse<T>; url: string }>

/**
 * The target of the first link whose `rel` includes `next` in a response's `Link` header
 * (RFC 8288), resolved against `info.url` when given (what `paginate()` passes: the page's
 * real URL), else against `page.url`, which is redacted. A malformed header has no next link.
 */
export function nextLink(page: ApiResponse<unknown>, info?: PageInfo): string | undefined {
  const header = page.headers.get('link')
  if (!header) return undefined
  const target = linkTarget(header, 'next')
  return target === undefined ? undefined : new URL(target, info?.url ?? page.url).href
}

/** Implements `client.paginate()` over a function that fetches one page. */
export function paginate<T, Item>(
  fetchPage: Fetch<T>,
  path: string,
  options: RequestOptions & PaginateOptions<T, Item>,
): Paginated<T, Item> {
  const { next: nextOption, items: itemsOption, maxPages = Infinity, maxItems = Infinity, ...call } = options
  for (const [name, limit] of [
    ['maxPages', maxPages],
    ['maxItems', maxItems],
  ] as const) {
    // A fraction of a page, or a string that compares as a number, is a mistake.
    if (typeof limit !== 'number' || !(limit >= 0) || !(Number.isInteger(limit) || limit === Infinity)) {
      throw new ConfigError(`${name} must be a whole number ≥ 0 (or Infinity), got ${String(limit)}`)
    }
  }
  for (const [name, hook] of [
    ['next', nextOption],
    ['items', itemsOption],
  ] as const) {
    if (hook !== undefined && typeof hook !== 'function') {
      throw new ConfigError(`paginate(): ${name} must be a function`)
    }
  }
  const next = nextOption ?? nextLink
  const items = itemsOption ?? defaultItems<Item>

  async function* pages(): AsyncIterableIterator<ApiResponse<T>> {
    let target = path
    let request: RequestOptions = call
    // Real URLs, never redacted ones: `page.url` masks secrets (`access_token=[REDACTED]`), so
    // it would neither match a next URL that holds the real value nor resolve a relative one.
    // Both the URLs asked for and those that answered (after redirects, or with a query
    // parameter an auth middleware added) count as seen.
    const seen = new Set<string>()
    for (let count = 0; count < maxPages; count++) {
      const { page, url: pageUrl } = await fetchPage(target, request)
      seen.add(pageUrl)
      yield page
      const found = next(page, { url: new URL(pageUrl) })
      if (found === undefined || found === null || found === false) return
      if (typeof found === 'string' || found instanceof URL) {
        const url = new URL(found, pageUrl).href
        if (seen.has(url)) throw new PlyError(`pagination loop: page ${count + 1} points back to ${redactUrl(url)}`)
        // The whole stack, credentials included, would follow the link: keep it on the API's origin.
        if (new URL(url).origin !== new URL(pageUrl).origin) {
          throw new PlyError(
            `the next page is on another origin (${redactUrl(url)}); ply does not follow it with this client's credentials`,
          )
        }
        seen.add(url)
        // The link holds the path and the query already.
        const { params: _params, query: _query, ...rest } = call
        target = url
        request = rest
      } else {
        request = { ...request, ...found }
      }
    }
  }

  async function* itemsOf(): AsyncIterableIterator<Item> {
    if (maxItems === 0) return
    let count = 0
    for await (const page of pages()) {
      for (const item of items(page)) {
        yield item
        if (++count >= maxItems) return
      }
    }
  }

  return {
    pages,
    [Symbol.asyncIterator]: itemsOf,
    async all() {
      const collected: Item[] = []
      for await (const item of itemsOf()) collected.push(item)
      return collected
    },
  }
}

function defaultItems<Item>(page: ApiResponse<unknown>): Iterable<Item> {
  if (Array.isArray(page.data)) return page.data as Item[]
  throw new ConfigError('a page’s data is not an array; pass an `items` function to paginate() to pick its items')
}
