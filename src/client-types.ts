import type { CallArgs, CallOptions, DataOf, Method } from './call-types.ts'
import type { RequestOptions } from './context.ts'
import type {
  OpenApiMethod,
  OpenApiRoute,
  OperationArgs,
  OperationAt,
  OperationOf,
  OperationOptions,
  PathsWith,
  RoutePath,
  SuccessData,
} from './openapi-types.ts'
import type { Paginated, PaginateOptions } from './paginate.ts'
import type { ApiResponse } from './response.ts'

// The types of a client's calls: as they always were for a client made without a document
// (`createClient()`), or checked against an openapi-typescript `paths` type
// (`createClient<paths>()`). Compile-time only: both kinds of client run the same code.

declare const untyped: unique symbol

/**
 * The `Paths` of a client made without an OpenAPI document: its calls take any path and type
 * `data` from a type argument or a schema, `api.get<User>('/users/{name}', …)`.
 */
export interface Untyped {
  readonly [untyped]: true
}

/**
 * A call of `Client<object>`, the type that takes any client, typed by a document or not: it
 * can listen, add middlewares, `fetch` and close, but not make a call whose types it does not
 * know (its verbs take `never`).
 */
export type AnyCall<R> = (...args: never[]) => R

/** `get`, `post`, `put`, `patch` and `delete` of a client without a document. */
export type UntypedVerb = <T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
  path: P,
  ...[options]: CallArgs<P, O>
) => Promise<ApiResponse<DataOf<T, O>>>

/** `head` of a client without a document: `data` is always `undefined`. */
export type UntypedHead = <P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
  path: P,
  ...[options]: CallArgs<P, O>
) => Promise<ApiResponse<undefined>>

/** The data of a call of `method` on `path`: the document's success response; `undefined` for HEAD. */
type TypedData<Paths, M, P> = M extends 'head' ? undefined : SuccessData<OperationAt<Paths, P, M>>

/** A verb of a typed client: the path is one the document has for the method, the options its. */
export type TypedVerb<Paths, M extends OpenApiMethod> = <P extends PathsWith<Paths, M>>(
  path: P,
  ...[options]: OperationArgs<OperationAt<Paths, P, M>, P>
) => Promise<ApiResponse<TypedData<Paths, M, P>>>

/** The verb `M` of a client: typed by the document when it has one. */
export type Verb<Paths, M extends OpenApiMethod> = [Paths] extends [Untyped]
  ? M extends 'head'
    ? UntypedHead
    : UntypedVerb
  : object extends Paths
    ? AnyCall<Promise<ApiResponse<unknown>>>
    : TypedVerb<Paths, M>

/** `request(method, path, options)` of a client without a document. */
export type UntypedRequest = <T = unknown, P extends string = string, O extends CallOptions<P> = CallOptions<P>>(
  method: Method,
  path: P,
  ...[options]: CallArgs<P, O>
) => Promise<ApiResponse<DataOf<T, O>>>

/** `request(route, options)` of a typed client: `'GET /pets/{petId}'`, one of the document's operations. */
export type TypedRequest<Paths> = <R extends OpenApiRoute<Paths>>(
  route: R,
  ...[options]: OperationArgs<OperationOf<Paths, R>, RoutePath<R>>
) => Promise<ApiResponse<R extends `HEAD ${string}` ? undefined : SuccessData<OperationOf<Paths, R>>>>

/** `request` of a client. */
export type RequestCall<Paths> = [Paths] extends [Untyped]
  ? UntypedRequest
  : object extends Paths
    ? AnyCall<Promise<ApiResponse<unknown>>>
    : TypedRequest<Paths>

/** `paginate` of a client without a document. */
export type UntypedPaginate = <
  T = unknown,
  Item = T extends readonly (infer E)[] ? E : unknown,
  P extends string = string,
>(
  path: P,
  ...[options]: CallArgs<P, CallOptions<P> & PaginateOptions<T, Item>>
) => Paginated<T, Item>

type PageOptions<Op, P extends string, Item> = OperationOptions<Op, P> & PaginateOptions<SuccessData<Op>, Item>
type ElementOf<D> = D extends readonly (infer E)[] ? E : unknown

/** `paginate` of a typed client: pages are the document's data for a GET; items its elements unless `items` says. */
export type TypedPaginate<Paths> = <
  P extends PathsWith<Paths, 'get'>,
  Item = ElementOf<SuccessData<OperationAt<Paths, P, 'get'>>>,
>(
  path: P,
  ...[options]: Record<string, never> extends OperationOptions<OperationAt<Paths, P, 'get'>, P>
    ? [options?: PageOptions<OperationAt<Paths, P, 'get'>, P, Item>]
    : [options: PageOptions<OperationAt<Paths, P, 'get'>, P, Item>]
) => Paginated<SuccessData<OperationAt<Paths, P, 'get'>>, Item>

/** `paginate` of a client. */
export type PaginateCall<Paths> = [Paths] extends [Untyped]
  ? UntypedPaginate
  : object extends Paths
    ? AnyCall<Paginated<unknown, unknown>>
    : TypedPaginate<Paths>

/**
 * What a client's `routes` option may set for a route: the call options that are the same for
 * every call of it (`cache`, `retry`, `timeout`, `headers`, a middleware's own such as
 * `priority` and `limitGroup`), not those that differ per call (`params`, `query`, a body,
 * `signal`, `schema`).
 */
export type RouteDefaults = Omit<RequestOptions, 'params' | 'query' | 'json' | 'form' | 'body' | 'signal' | 'schema'>

/** The `routes` option: defaults per route, keyed `'GET /pets/{petId}'`; the document's routes on a typed client. */
export type RoutesOption<Paths> = [Paths] extends [Untyped]
  ? Readonly<Record<string, RouteDefaults>>
  : object extends Paths
    ? Readonly<Record<string, RouteDefaults>>
    : { readonly [R in OpenApiRoute<Paths>]?: RouteDefaults }
