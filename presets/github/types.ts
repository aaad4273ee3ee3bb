import type { paths } from '@octokit/openapi-types'
import type { OpenApiRoute, OperationOf, ParametersIn, RequestContent, SuccessData } from '../../src/openapi-types.ts'
import type { PresetCallOptions } from '../shared/options.ts'

// The preset's routes are typed by the core's OpenAPI types (src/openapi-types.ts) over
// @octokit/openapi-types, which is openapi-typescript's output for api.github.com: the same
// `paths` a user could give `createClient<GitHubPaths>()`. What is GitHub's own here is only the
// shape of `request()`'s parameters, one record as Octokit takes them.

/** GitHub's REST API as openapi-typescript writes it (`@octokit/openapi-types`): `createClient<GitHubPaths>()` takes it. */
export type GitHubPaths = paths

/** A route of GitHub's REST API as its documentation writes it: `'GET /repos/{owner}/{repo}'`. */
export type GitHubRoute = OpenApiRoute<paths>

/** `T`, or nothing to add (`unknown`) when `T` is `never`. */
type Or<T> = [T] extends [never] ? unknown : T

/** A request body as Octokit takes it: a JSON body's fields among the parameters, any other in `data`. */
type BodyParams<C> = [C] extends [never]
  ? unknown
  : 'application/json' extends keyof C
    ? C['application/json']
    : { data: C[keyof C] }

/** An operation's parameters as one record: path, query and body together. */
type FlatParams<Op> = Or<ParametersIn<Op, 'path'>> & Or<ParametersIn<Op, 'query'>> & BodyParams<RequestContent<Op>>

/** The parameters of a route (path, query and body together), from GitHub's OpenAPI description. */
export type RouteParams<R extends string> = R extends GitHubRoute ? FlatParams<OperationOf<paths, R>> : RequestParams

/** The response data of a route, from GitHub's OpenAPI description; `unknown` for a route it does not list. */
export type RouteData<R extends string> = R extends GitHubRoute ? SuccessData<OperationOf<paths, R>> : unknown

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
export type GitHubUser = RouteData<'GET /users/{username}'>
/** A repository as lists return it. */
export type GitHubMinimalRepository = ItemOf<RouteData<'GET /users/{username}/repos'>>
/** A full repository. */
export type GitHubRepository = RouteData<'GET /repos/{owner}/{repo}'>
/** An issue. */
export type GitHubIssue = ItemOf<RouteData<'GET /repos/{owner}/{repo}/issues'>>
/** The result of a repository search. */
export type GitHubRepositorySearch = RouteData<'GET /search/repositories'>
/** The rate limits of the caller. */
export type GitHubRateLimit = RouteData<'GET /rate_limit'>
/** The parameters of a repository search besides `q`. */
export type SearchRepositoriesParams = Omit<RouteParams<'GET /search/repositories'>, 'q'>
/** The parameters of listing a user's repositories besides `username`. */
export type ListUserReposParams = Omit<RouteParams<'GET /users/{username}/repos'>, 'username'>
/** The parameters of listing a repository's issues besides `owner` and `repo`. */
export type ListIssuesParams = Omit<RouteParams<'GET /repos/{owner}/{repo}/issues'>, 'owner' | 'repo'>
