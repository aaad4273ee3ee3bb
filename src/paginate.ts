import LinkHeader from 'http-link-header'
import type { RequestOptions } from './context.ts'
import { ConfigError, PlyError } from './errors.ts'
import { redactUrl } from './redact.ts'
import type { ApiResponse } from './response.ts'

/** Where the next page is: a URL, options to merge into the first call's, or nothing (the end). */
export type NextPage = string | URL | Partial<RequestOptions> | undefined | null | false

/** Options of `client.paginate()`, next to the call's own options. */
export interface PaginateOptions<T, Item> {
  /** Finds the next page; by default the `Link` header's `rel="next"` target. */
  next?: ((page: ApiResponse<T>) => NextPage) | undefined
  /** Extracts a page's items; by default the page's data, which must then be an array. */
  items?: ((page: ApiResponse<T>) => Iterable<Item>) | undefined
  /** Stop after this many pages. */
  maxPages?: number | undefined
  /** Stop after this many items. */
  maxItems?: number | undefined
}

/** A paginated collection: iterate it for items, `pages()` for responses, `all()` for an array. */
export interface Paginated<T, Item> extends AsyncIterable<Item> {
  /** The pages as responses, in order. */
  pages(): AsyncIterableIterator<ApiResponse<T>>
  /** Every item (up to `maxItems`), collected. */
  all(): Promise<Item[]>
}

type Fetch<T> = (url: string, options: RequestOptions) => Promise<ApiResponse<T>>

/** The `rel="next"` target of a response's `Link` header (RFC 8288), resolved against its URL. */
export function nextLink(page: ApiResponse<unknown>): string | undefined {
  const header = page.headers.get('link')
  if (!header) return undefined
  const target = LinkHeader.parse(header).rel('next')[0]?.uri
  return target === undefined ? undefined : new URL(target, page.url).href
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
    const seen = new Set<string>()
    for (let count = 0; count < maxPages; count++) {
      const page = await fetchPage(target, request)
      seen.add(page.url)
      yield page
      const found = next(page)
      if (found === undefined || found === null || found === false) return
      if (typeof found === 'string' || found instanceof URL) {
        const url = new URL(found, page.url).href
        if (seen.has(url)) throw new PlyError(`pagination loop: page ${count + 1} points back to ${redactUrl(url)}`)
        // The whole stack, credentials included, would follow the link: keep it on the API's origin.
        if (new URL(url).origin !== new URL(page.url).origin) {
          throw new PlyError(
            `the next page is on another origin (${redactUrl(url)}); ply does not follow it with this client's credentials`,
          )
        }
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
