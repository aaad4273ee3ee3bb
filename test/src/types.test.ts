// Type-level checks: `npm test` type-checks this file, so a regression in the public types
// fails the run. No request is sent: calls sit inside functions that are never invoked.
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { GitHubError } from '../../presets/index.ts'
import {
  type ApiResponse,
  type Client,
  createClient,
  HttpError,
  isHttpError,
  type Middleware,
  type Paginated,
  type PathParamNames,
} from '../../src/index.ts'

declare module '../../src/index.ts' {
  interface RequestOptions {
    /** An option a middleware adds. */
    tries?: number
  }
  interface ContextState {
    scope?: string
  }
}

describe('public types', () => {
  it('extracts path parameter names from a template', () => {
    expectTypeOf<PathParamNames<'/repos/{owner}/{repo}/contents/{+path}'>>().toEqualTypeOf<'owner' | 'repo' | 'path'>()
    expectTypeOf<PathParamNames<'/users'>>().toEqualTypeOf<never>()
  })

  it('requires the parameters a literal template names', () => {
    const api: Client = createClient({ baseUrl: 'http://127.0.0.1:1' })
    const call = () => {
      // @ts-expect-error: params.name is required by the template
      void api.get('/users/{name}')
      // @ts-expect-error: params.name, not params.nmae
      void api.get('/users/{name}', { params: { nmae: 'x' } })
      void api.get('/users/{name}', { params: { name: 'x' } })
      // The data type from a schema keeps the path's type inferred, so params are checked.
      // @ts-expect-error: params.name is required by the template
      void api.get('/users/{name}', { schema: z.object({ login: z.string() }) })
    }
    expectTypeOf(call).toBeFunction()
  })

  it('requires the parameters of a literal template in paginate() too', () => {
    const api: Client = createClient({ baseUrl: 'http://127.0.0.1:1' })
    const call = () => {
      // @ts-expect-error: params.name is required by the template
      void api.paginate('/users/{name}/repos')
      // @ts-expect-error: params.name, not params.nmae
      void api.paginate('/users/{name}/repos', { params: { nmae: 'x' } })
      void api.paginate('/users/{name}/repos', { params: { name: 'x' }, maxPages: 2 })
      void api.paginate('/items')
      void api.paginate('/items', { maxItems: 3 })
      // With an explicit type argument the path is typed string: params are checked at run time only.
      void api.paginate<{ id: number }[]>('/users/{name}/repos', { params: { name: 'x' } })
    }
    expectTypeOf(call).toBeFunction()
    const items = () => api.paginate('/x', { items: (page) => (page.data as { values: number[] }).values })
    expectTypeOf(items).returns.toEqualTypeOf<Paginated<unknown, number>>()
    const typed = () => api.paginate<{ id: number }[]>('/x')
    expectTypeOf(typed).returns.toEqualTypeOf<Paginated<{ id: number }[], { id: number }>>()
  })

  it('types data from T, or from a schema', () => {
    const api = createClient({ baseUrl: 'http://127.0.0.1:1' })
    expectTypeOf(() => api.get<{ id: number }>('/x')).returns.resolves.toEqualTypeOf<ApiResponse<{ id: number }>>()
    expectTypeOf(() => api.get('/x')).returns.resolves.toEqualTypeOf<ApiResponse<unknown>>()
    const schema = z.object({ id: z.number() })
    expectTypeOf(() => api.get('/x', { schema })).returns.resolves.toEqualTypeOf<ApiResponse<{ id: number }>>()
    expectTypeOf(() => api.head('/x')).returns.resolves.toEqualTypeOf<ApiResponse<undefined>>()
  })

  it('lets middlewares add per-call options and state fields', () => {
    const mw: Middleware = async (ctx, next) => {
      expectTypeOf(ctx.request.options.tries).toEqualTypeOf<number | undefined>()
      expectTypeOf(ctx.state.scope).toEqualTypeOf<string | undefined>()
      await next()
    }
    const api = createClient({ baseUrl: 'http://127.0.0.1:1' }).use(mw)
    expectTypeOf(api.get).toBeCallableWith('/x', { tries: 2 })
  })

  it('leaves an HttpError’s data unknown after instanceof, and types it through isHttpError', () => {
    const handle = (error: unknown) => {
      if (error instanceof HttpError) {
        expectTypeOf(error.data).toEqualTypeOf<unknown>()
        // @ts-expect-error: data is unknown until the caller says what it is
        void error.data.message
      }
      if (isHttpError<{ message: string }>(error) && error.status === 404) {
        expectTypeOf(error.data).toEqualTypeOf<{ message: string }>()
        expectTypeOf(error.status).toEqualTypeOf<number>()
      }
      if (isHttpError(error)) {
        expectTypeOf(error.data).toEqualTypeOf<unknown>()
        // @ts-expect-error: without a type argument, data stays unknown
        void error.data.message
      }
      if (error instanceof GitHubError) {
        expectTypeOf(error.data).toEqualTypeOf<unknown>()
        expectTypeOf(error.documentationUrl).toEqualTypeOf<string | undefined>()
      }
    }
    expectTypeOf(handle).toBeFunction()
    // An explicit `any` does not bring `any` back; an explicit type is kept.
    // biome-ignore lint/suspicious/noExplicitAny: `HttpError<any>` is what instanceof narrows to
    expectTypeOf<HttpError<any>['data']>().toEqualTypeOf<unknown>()
    expectTypeOf<HttpError['data']>().toEqualTypeOf<unknown>()
    expectTypeOf<HttpError<{ id: number }>['data']>().toEqualTypeOf<{ id: number }>()
    expectTypeOf<HttpError<undefined>['data']>().toEqualTypeOf<undefined>()
    expectTypeOf<HttpError<{ id: number }>>().toExtend<HttpError>()
  })

  it('gives client.fetch the type of fetch', () => {
    const api = createClient({ baseUrl: 'http://127.0.0.1:1' })
    expectTypeOf(api.fetch).toExtend<typeof fetch>()
    expectTypeOf(api.fetch).returns.resolves.toEqualTypeOf<Response>()
    const install = () => {
      globalThis.fetch = api.fetch
    }
    expectTypeOf(install).toBeFunction()
  })
})
