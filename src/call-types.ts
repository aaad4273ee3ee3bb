import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { ParamValue, RequestOptions } from './context.ts'

/** An HTTP method; the usual ones are suggested, any token is accepted. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS' | (string & {})

/** The names of a path template's placeholders: `'/users/{name}'` gives `'name'`. */
export type PathParamNames<P extends string> = P extends `${string}{${infer Name}}${infer Rest}`
  ? (Name extends `+${infer Reserved}` ? Reserved : Name) | PathParamNames<Rest>
  : never

/** A call's options, with `params` required and typed when the path is a literal template. */
export type CallOptions<P extends string = string> = Omit<RequestOptions, 'params'> &
  (string extends P
    ? { params?: RequestOptions['params'] }
    : [PathParamNames<P>] extends [never]
      ? { params?: Readonly<Record<string, never>> | undefined }
      : { params: Readonly<Record<PathParamNames<P>, ParamValue>> })

/** The arguments after the path: options are required when the template has parameters. */
export type CallArgs<P extends string, O> = string extends P
  ? [options?: O]
  : [PathParamNames<P>] extends [never]
    ? [options?: O]
    : [options: O]

/** The data type of a call: the schema's output when a `schema` is given, else `T`. */
export type DataOf<T, O> = O extends { schema: infer S extends StandardSchemaV1 } ? StandardSchemaV1.InferOutput<S> : T
