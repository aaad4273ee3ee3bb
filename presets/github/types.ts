import type { Endpoints } from '@octokit/types'
import type { PresetCallOptions } from '../shared/options.ts'

/** A route of GitHub's REST API as its documentation writes it: `'GET /repos/{owner}/{repo}'`. */
export type GitHubRoute = keyof Endpoints

/** The parameters of a route (path, query and body together), from GitHub's OpenAPI description. */
export type RouteParams<R extends string> = R extends GitHubRoute ? Endpoints[R]['parameters'] : RequestParams

/** The response data of a route, from GitHub's OpenAPI description; `unknown` for a route it does not list. */
export type RouteData<R extends string> = R extends GitHubRoute ? Endpoints[R]['response']['data'] : unknown

/** Parameters of a route ply does not know the types of. */
export type RequestParams = Readonly<Record<string, unknown>>

/** The item type of a paginated route: the array's element, or the element of its `items` (search) or other list field. */
export type ItemOf<D> = D extends readonly (infer E)[]
  ? E
  : D extends { readonly items: readonly (infer E)[] }
    ? E
    : D extends { readonly total_count: number }
      ? { [K in keyof D]: D[K] extends readonly (infer E)[] ? E : never }[Exclude<keyof D, 'total_count'>]
      : unknown

/** A call's own options next to the route's parameters: headers, `signal`, `deadline`, `timeout`, … */
export type GitHubCallOptions = PresetCallOptions

/** The arguments after the route: parameters are required when the route has required ones. */
export type RouteArgs<R extends string> = string extends R
  ? [params?: RequestParams, options?: GitHubCallOptions]
  : Partial<RouteParams<R>> extends RouteParams<R>
    ? [params?: RouteParams<R>, options?: GitHubCallOptions]
    : [params: RouteParams<R>, options?: GitHubCallOptions]

/** Data types of the operations the typed helpers wrap. */
export type GitHubUser = Endpoints['GET /users/{username}']['response']['data']
/** A repository as lists return it. */
export type GitHubMinimalRepository = ItemOf<Endpoints['GET /users/{username}/repos']['response']['data']>
/** A full repository. */
export type GitHubRepository = Endpoints['GET /repos/{owner}/{repo}']['response']['data']
/** An issue. */
export type GitHubIssue = ItemOf<Endpoints['GET /repos/{owner}/{repo}/issues']['response']['data']>
/** The result of a repository search. */
export type GitHubRepositorySearch = Endpoints['GET /search/repositories']['response']['data']
/** The rate limits of the caller. */
export type GitHubRateLimit = Endpoints['GET /rate_limit']['response']['data']
/** The parameters of a repository search besides `q`. */
export type SearchRepositoriesParams = Omit<Endpoints['GET /search/repositories']['parameters'], 'q'>
/** The parameters of listing a user's repositories besides `username`. */
export type ListUserReposParams = Omit<Endpoints['GET /users/{username}/repos']['parameters'], 'username'>
/** The parameters of listing a repository's issues besides `owner` and `repo`. */
export type ListIssuesParams = Omit<Endpoints['GET /repos/{owner}/{repo}/issues']['parameters'], 'owner' | 'repo'>
