import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { PathParamNames } from './call-types.ts'
import type { ParamValue, RequestOptions } from './context.ts'
import type { HttpError } from './errors.ts'

// What openapi-typescript (7.x) generates from an OpenAPI 3.0/3.1 document, read as types:
// `paths[path][method]` is an operation, `{ parameters: { path, query }, requestBody,
// responses }`. An absent method is `method?: never`, an absent part `query?: never`; the
// older output of @octokit/openapi-types leaves them out instead. Both read the same here.
// Everything in this file is compile-time only.

/** A method of an OpenAPI path item, as openapi-typescript writes it. */
export type OpenApiMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace'

/** `T[K]` without `undefined`; `never` when `T` has no `K` or declares it `?: never`. */
type Field<T, K extends PropertyKey> = K extends keyof T ? Exclude<T[K], undefined> : never

/** The operation at `path` and `method` (lower-case), `never` when the document has none. */
export type OperationAt<Paths, P, M> = P extends keyof Paths
  ? M extends OpenApiMethod
    ? Field<Paths[P], M>
    : never
  : never

/**
 * The paths of the document that have an operation for `method`. (Written without
 * `OperationAt`: over GitHub's 900 paths, a `keyof` test and an `extends undefined` are several
 * times cheaper to compile than excluding `undefined` from each operation.)
 */
export type PathsWith<Paths, M extends OpenApiMethod> = {
  [P in keyof Paths]-?: M extends keyof Paths[P] ? (Paths[P][M] extends undefined ? never : P) : never
}[keyof Paths] &
  string

/** Every operation of the document as a route, `'GET /pets/{petId}'`. */
export type OpenApiRoute<Paths> = { [M in OpenApiMethod]: `${Uppercase<M>} ${PathsWith<Paths, M>}` }[OpenApiMethod]

/** The operation a route names: `'GET /pets/{petId}'` → `paths['/pets/{petId}']['get']`. */
export type OperationOf<Paths, R> = R extends `${infer M} ${infer P}` ? OperationAt<Paths, P, Lowercase<M>> : never

/** The path of a route. */
export type RoutePath<R> = R extends `${string} ${infer P}` ? P : never

type ParametersOf<Op> = Field<Op, 'parameters'>

/** A media type that holds JSON: `application/json`, `application/problem+json`, `…; charset=utf-8`. */
type JsonType = `${string}json${string}`

/** The body type of a `content` map: its JSON media type's, text for text, else `unknown`. */
type ContentData<C> = [C] extends [never]
  ? undefined
  : [Extract<keyof C, JsonType>] extends [never]
    ? [Extract<keyof C, `text/${string}`>] extends [never]
      ? unknown
      : string
    : C[Extract<keyof C, JsonType>]

/** The data of one documented response (`{ content: { 'application/json': T } }`). */
type ResponseData<R> = ContentData<Field<R, 'content'>>

/** Whether a response key is a success status: `200`, `201`, `'2XX'`, … */
type IsSuccess<K> = K extends number | string ? (`${K}` extends `2${string}` ? true : false) : false

/** Whether a response key is an error status or `default`: `404`, `'4XX'`, `'5XX'`, `'default'`. */
type IsError<K> = K extends 'default'
  ? true
  : K extends number | string
    ? `${K}` extends `${4 | 5}${string}`
      ? true
      : false
    : false

type Responses<Op> = Field<Op, 'responses'>

/** The success data of an operation: the union over its 2XX responses; `unknown` when none is documented. */
export type SuccessData<Op> = [
  { [K in keyof Responses<Op>]: IsSuccess<K> extends true ? K : never }[keyof Responses<Op>],
] extends [never]
  ? unknown
  : {
      [K in keyof Responses<Op>]: IsSuccess<K> extends true ? ResponseData<Responses<Op>[K]> : never
    }[keyof Responses<Op>]

/**
 * What a call of a route can throw as an `HttpError`, one member per documented error
 * response: its `status` is the status (a number for `4XX`, `5XX` and `default`) and its
 * `data` that response's body, so testing `error.status === 404` narrows `data`.
 */
export type OperationHttpError<Op> = {
  [K in keyof Responses<Op>]: IsError<K> extends true
    ? HttpError<ResponseData<Responses<Op>[K]>> & { readonly status: K extends number ? K : number }
    : never
}[keyof Responses<Op>]

/** An operation's parameters in one place (`'path'`, `'query'`, `'header'`); `never` when it has none there. */
export type ParametersIn<Op, In extends 'path' | 'query' | 'header' | 'cookie'> = Field<ParametersOf<Op>, In>

/** An operation's request body by media type (`{ 'application/json': … }`); `never` when it takes none. */
export type RequestContent<Op> = BodyContent<Op>

/** `{ [key]: T }`, required when `T` has a required field, optional otherwise. */
type Part<Key extends string, T> = [T] extends [never]
  ? { [K in Key]?: never }
  : Record<string, never> extends T
    ? { [K in Key]?: T | undefined }
    : { [K in Key]: T }

/** `params`: the document's path parameters, or the template's names when it lists none. */
type ParamsPart<Op, P extends string> = [Field<ParametersOf<Op>, 'path'>] extends [never]
  ? [PathParamNames<P>] extends [never]
    ? { params?: never }
    : { params: Readonly<Record<PathParamNames<P>, ParamValue>> }
  : Part<'params', Readonly<Field<ParametersOf<Op>, 'path'>>>

/** `query`: the document's query parameters (form style, arrays exploded: `?tag=a&tag=b`). */
type QueryPart<Op> = Part<'query', Readonly<Field<ParametersOf<Op>, 'query'>>>

type BodyContent<Op> = Field<Field<Op, 'requestBody'>, 'content'>
type FormType = 'application/x-www-form-urlencoded' | `multipart/${string}`
/** The body's option: `json` typed by the document, `form` for a form, `body` for anything else. */
type BodyValue<C> = [Extract<keyof C, JsonType>] extends [never]
  ? [Extract<keyof C, FormType>] extends [never]
    ? { body: RequestOptions['body'] }
    : { form: RequestOptions['form'] }
  : { json: C[Extract<keyof C, JsonType>] }
type NoBody = { json?: never; form?: never; body?: never }
type BodyPart<Op> = [BodyContent<Op>] extends [never]
  ? NoBody
  : Op extends { requestBody: unknown }
    ? Omit<NoBody, keyof BodyValue<BodyContent<Op>>> & BodyValue<BodyContent<Op>>
    : Omit<NoBody, keyof BodyValue<BodyContent<Op>>> & Partial<BodyValue<BodyContent<Op>>>

/**
 * The options of a typed call: the document's path parameters as `params`, its query
 * parameters as `query`, its JSON request body as `json`, each required when the document
 * requires it, and every other call option (`headers`, `timeout`, `retry`, `cache`, …). A
 * `schema` must produce the document's data.
 */
export type OperationOptions<Op, P extends string> = Omit<
  RequestOptions,
  'params' | 'query' | 'json' | 'form' | 'body' | 'schema'
> &
  ParamsPart<Op, P> &
  QueryPart<Op> &
  BodyPart<Op> & { schema?: StandardSchemaV1<unknown, SuccessData<Op>> | undefined }

type IsUnion<T, U = T> = T extends unknown ? ([U] extends [T] ? false : true) : never

/**
 * The arguments after the route or path: the options, required when something in them is.
 * For a path that is not one of the document's, TypeScript falls back to all of them (a
 * union): the options are then optional, so that the error it reports is the path's.
 */
export type OperationArgs<Op, P extends string> =
  true extends IsUnion<P>
    ? [options?: OperationOptions<Op, P>]
    : Record<string, never> extends OperationOptions<Op, P>
      ? [options?: OperationOptions<Op, P>]
      : [options: OperationOptions<Op, P>]
