// Type-level checks of createClient<paths>(): `npm test` type-checks this file first, so each
// `@ts-expect-error` below is a call that must not compile (an unused one fails the run). No
// request is sent: the calls sit inside functions that are never invoked.
import type { paths as GitHubPaths, components as GitHubSchemas } from '@octokit/openapi-types'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import type { components, paths } from '../../examples/petstore/api.ts'
import {
  type ApiResponse,
  type Client,
  createClient,
  type HttpError,
  isHttpError,
  type Paginated,
} from '../../src/index.ts'

type Pet = components['schemas']['Pet']
const api = createClient<paths>({ baseUrl: 'http://127.0.0.1:1/petstore' })
const never = (calls: () => unknown) => expectTypeOf(calls).toBeFunction()

describe('a typed client', () => {
  it('is a Client<paths>, and extend() keeps its document', () => {
    expectTypeOf(api).toEqualTypeOf<Client<paths>>()
    expectTypeOf(api.extend({ timeout: 5_000 })).toEqualTypeOf<Client<paths>>()
    expectTypeOf(api.use(async (_ctx, next) => next())).toEqualTypeOf<Client<paths>>()
  })

  it('types data as the document’s success response', () => {
    expectTypeOf(() => api.get('/pets/{petId}', { params: { petId: 1 } })).returns.resolves.toEqualTypeOf<
      ApiResponse<Pet>
    >()
    expectTypeOf(() => api.get('/pets')).returns.resolves.toEqualTypeOf<ApiResponse<Pet[]>>()
    expectTypeOf(() => api.post('/pets', { json: { name: 'a' } })).returns.resolves.toEqualTypeOf<ApiResponse<Pet>>()
    expectTypeOf(() =>
      api.request('GET /owners/{owner}/pets', { params: { owner: 'o' }, query: { since: '2024-01-01' } }),
    ).returns.resolves.toEqualTypeOf<ApiResponse<Pet[]>>()
    // 204 without content, and HEAD: no data.
    expectTypeOf(() => api.delete('/pets/{petId}', { params: { petId: 1 } })).returns.resolves.toEqualTypeOf<
      ApiResponse<undefined>
    >()
    expectTypeOf(() => api.head('/pets/{petId}', { params: { petId: 1 } })).returns.resolves.toEqualTypeOf<
      ApiResponse<undefined>
    >()
    expectTypeOf(() => api.paginate('/pets', { query: { limit: 2 } })).returns.toEqualTypeOf<Paginated<Pet[], Pet>>()
    const names = () => api.paginate('/pets', { items: (page) => page.data.map((pet) => pet.name) })
    expectTypeOf(names).returns.toEqualTypeOf<Paginated<Pet[], string>>()
  })

  it('refuses a path the document does not have, or has not for that method', () => {
    never(() => {
      // @ts-expect-error: no such path
      void api.get('/petz')
      // @ts-expect-error: /pets has no PUT
      void api.put('/pets', { json: { name: 'a' } })
      // @ts-expect-error: no such route
      void api.request('PATCH /pets', { json: {} })
      // @ts-expect-error: a typed client's request() takes a route, not a method and a path
      void api.request('GET', '/pets')
    })
  })

  it('requires the path parameters, with their types', () => {
    never(() => {
      // @ts-expect-error: params.petId is required
      void api.get('/pets/{petId}')
      // @ts-expect-error: params.petId is required
      void api.get('/pets/{petId}', { params: {} })
      // @ts-expect-error: petId is an integer, not a string
      void api.get('/pets/{petId}', { params: { petId: '1' } })
      // @ts-expect-error: petID is not a parameter of the path
      void api.get('/pets/{petId}', { params: { petID: 1 } })
      // @ts-expect-error: /pets has no path parameters
      void api.get('/pets', { params: { petId: 1 } })
    })
  })

  it('requires the query parameters the document requires, with their types, and no others', () => {
    never(() => {
      // @ts-expect-error: query.since is required
      void api.get('/owners/{owner}/pets', { params: { owner: 'o' } })
      // @ts-expect-error: since is a string
      void api.get('/owners/{owner}/pets', { params: { owner: 'o' }, query: { since: 2024 } })
      // @ts-expect-error: limit is a number
      void api.get('/pets', { query: { limit: '5' } })
      // @ts-expect-error: tags is an array of strings
      void api.get('/pets', { query: { tags: 'dog' } })
      // @ts-expect-error: status is one of the enum's values
      void api.get('/pets', { query: { status: 'sold' } })
      // @ts-expect-error: limt is no query parameter of /pets
      void api.get('/pets', { query: { limt: 5 } })
      // @ts-expect-error: GET /pets/{petId} has no query parameters
      void api.get('/pets/{petId}', { params: { petId: 1 }, query: { verbose: true } })
    })
  })

  it('types the JSON body', () => {
    never(() => {
      // @ts-expect-error: the body is required
      void api.post('/pets')
      // @ts-expect-error: name is required
      void api.post('/pets', { json: { tags: [] } })
      // @ts-expect-error: name is a string
      void api.post('/pets', { json: { name: 1 } })
      // @ts-expect-error: status is one of the enum's values
      void api.patch('/pets/{petId}', { params: { petId: 1 }, json: { status: 'sold' } })
      // @ts-expect-error: a JSON body goes in json, not body
      void api.post('/pets', { body: '{"name":"a"}' })
      // @ts-expect-error: DELETE /pets/{petId} takes no body
      void api.delete('/pets/{petId}', { params: { petId: 1 }, json: {} })
      void api.patch('/pets/{petId}', { params: { petId: 1 }, json: {} })
    })
  })

  it('keeps the other call options, and takes a schema only when it produces the document’s type', () => {
    never(() => {
      void api.get('/pets', { headers: { 'x-a': 'b' }, timeout: 1_000, cache: 'no-store', deadline: 5_000 })
      const pet = z.object({
        id: z.number(),
        name: z.string(),
        tags: z.array(z.string()),
        status: z.enum(['available', 'pending', 'adopted']),
      })
      void api.get('/pets/{petId}', { params: { petId: 1 }, schema: pet })
      // @ts-expect-error: this schema's output is not a Pet
      void api.get('/pets/{petId}', { params: { petId: 1 }, schema: z.object({ id: z.string() }) })
      // @ts-expect-error: an option no one declares
      void api.get('/pets', { tiemout: 5 })
    })
  })

  it('narrows an HttpError by status to the document’s error body with isHttpError(error, client, route)', () => {
    const handle = (error: unknown) => {
      if (isHttpError(error, api, 'GET /pets/{petId}')) {
        expectTypeOf(error).toExtend<HttpError>()
        expectTypeOf(error.status).toEqualTypeOf<404>()
        expectTypeOf(error.data).toEqualTypeOf<{ message: string; petId: number }>()
      }
      if (isHttpError(error, api, 'PUT /pets/{petId}') && error.status === 422) {
        expectTypeOf(error.data).toEqualTypeOf<components['schemas']['ValidationProblem']>()
      }
      if (isHttpError(error, api, 'POST /pets') && error.status === 500) {
        // `default`: any status the document does not list, with its body for it.
        expectTypeOf(error.data).toEqualTypeOf<components['schemas']['Problem']>()
      }
      if (isHttpError(error)) expectTypeOf(error.data).toEqualTypeOf<unknown>()
      // @ts-expect-error: not a route of this client's document
      void isHttpError(error, api, 'GET /petz')
    }
    expectTypeOf(handle).toBeFunction()
  })

  it('types routes keys by the document', () => {
    never(() => {
      createClient<paths>({ routes: { 'GET /pets': { cache: 'no-cache' }, 'POST /pets': { retry: true } } })
      // @ts-expect-error: not a route of the document
      createClient<paths>({ routes: { 'GET /petz': {} } })
      // @ts-expect-error: query differs per call
      createClient<paths>({ routes: { 'GET /pets': { query: { limit: 1 } } } })
      createClient({ routes: { 'GET /anything/{at}/all': { timeout: 1_000 } } })
    })
  })
})

describe('Client<object>', () => {
  it('takes any client, typed or not, and makes no call it cannot type', () => {
    const plain = createClient()
    const anyClient: Client<object>[] = [api, plain, plain.extend({}), api.extend({})]
    never(() => {
      // @ts-expect-error: a call's types are unknown on Client<object>
      void anyClient[0]?.get('/pets')
      void anyClient[0]?.close()
    })
  })
})

describe('an untyped client', () => {
  it('is typed as it always was', () => {
    const plain = createClient({ baseUrl: 'http://127.0.0.1:1' })
    expectTypeOf(plain).toEqualTypeOf<Client>()
    expectTypeOf(() => plain.get<{ id: number }>('/x/{y}', { params: { y: 1 } })).returns.resolves.toEqualTypeOf<
      ApiResponse<{ id: number }>
    >()
    expectTypeOf(() => plain.request('PROPFIND', '/x')).returns.resolves.toEqualTypeOf<ApiResponse<unknown>>()
  })
})

describe('GitHub’s operations, typed through @octokit/openapi-types directly', () => {
  const gh = createClient<GitHubPaths>({ baseUrl: 'https://api.github.com' })
  // Mutual assignability rather than expectTypeOf's deep comparison, which is slow on types this size.
  const same = <A, B>(_check: [A] extends [B] ? ([B] extends [A] ? true : false) : false) => undefined

  it('GET /repos/{owner}/{repo}, POST /repos/{owner}/{repo}/issues and GET /search/repositories', () => {
    const calls = async () => {
      const repo = await gh.get('/repos/{owner}/{repo}', { params: { owner: 'o', repo: 'r' } })
      same<typeof repo.data, GitHubSchemas['schemas']['full-repository']>(true)
      const issue = await gh.request('POST /repos/{owner}/{repo}/issues', {
        params: { owner: 'o', repo: 'r' },
        json: { title: 'Found a bug', labels: ['bug'] },
      })
      same<typeof issue.data, GitHubSchemas['schemas']['issue']>(true)
      const found = await gh.get('/search/repositories', { query: { q: 'ply', sort: 'stars', per_page: 5 } })
      same<typeof found.data.items, GitHubSchemas['schemas']['repo-search-result-item'][]>(true)
      // @ts-expect-error: q is required
      void gh.get('/search/repositories', { query: { sort: 'stars' } })
      // @ts-expect-error: title is required
      void gh.post('/repos/{owner}/{repo}/issues', { params: { owner: 'o', repo: 'r' }, json: { body: 'x' } })
      // @ts-expect-error: sort is one of GitHub's values
      void gh.get('/search/repositories', { query: { q: 'ply', sort: 'name' } })
    }
    expectTypeOf(calls).toBeFunction()
  })
})
