import type { GitHub, GitHubMinimalRepository } from '../../presets/index.ts'
import type { Log } from '../log.ts'
import { REVALIDATE } from './context.ts'

/** What `ply github repos` asks for. */
export interface ReposRequest {
  readonly user: string
  /** Every page, not only the first. */
  readonly all: boolean
  /** At most this many repositories (pages are fetched until there are enough). */
  readonly limit: number | undefined
}

const FIRST_PAGE = 30
const MAX_PER_PAGE = 100

/**
 * Lists a user's repositories: the first page of 30 (GitHub's default page), or with `all`
 * every page of 100, or with `limit` pages until there are that many. While it pages, a
 * progress line goes to stderr (`fetched 200 repos (page 2)…`).
 */
export async function listRepos(gh: GitHub, request: ReposRequest, log: Log): Promise<GitHubMinimalRepository[]> {
  const { all, limit } = request
  const paging = all || limit !== undefined
  const perPage = paging ? Math.min(MAX_PER_PAGE, limit ?? MAX_PER_PAGE) : FIRST_PAGE
  const walk = gh.listUserRepos(
    request.user,
    { per_page: perPage },
    { cache: REVALIDATE, ...(paging ? {} : { maxPages: 1 }) },
  )
  const repos: GitHubMinimalRepository[] = []
  let page = 0
  try {
    for await (const response of walk.pages()) {
      page += 1
      repos.push(...response.data)
      if (limit !== undefined && repos.length >= limit) repos.length = limit
      if (paging) log.progress(`fetched ${repos.length} repo${repos.length === 1 ? '' : 's'} (page ${page})…`)
      // Leaving the loop stops the walk: no request for a page that is not needed.
      if (limit !== undefined && repos.length >= limit) break
    }
  } finally {
    log.endProgress()
  }
  return repos
}
