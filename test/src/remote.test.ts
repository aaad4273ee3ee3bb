import nock from 'nock'
import { describe, expect, it } from 'vitest'
import { createClient, HttpError } from '../../src/index.ts'
import { useNock } from '../support/nock.ts'

useNock()

describe('a remote API behind a base path (nock)', () => {
  it('keeps the base path and sends the query and headers', async () => {
    const scope = nock('https://ghe.example.com', { reqheaders: { 'x-api-version': '3' } })
      .get('/api/v3/repos/octo/hello%20world/issues')
      .query({ state: 'open', labels: ['bug', 'ui'] })
      .reply(200, [{ number: 1 }], { 'content-type': 'application/json' })
    const client = createClient({ baseUrl: 'https://ghe.example.com/api/v3', headers: { 'x-api-version': '3' } })
    const response = await client.get('/repos/{owner}/{repo}/issues', {
      params: { owner: 'octo', repo: 'hello world' },
      query: { state: 'open', labels: ['bug', 'ui'] },
    })
    expect(response.data).toEqual([{ number: 1 }])
    expect(scope.isDone()).toBe(true)
  })

  it('surfaces an API error body on the HttpError', async () => {
    const scope = nock('https://api.example.com')
      .get('/users/ghost')
      .reply(404, { message: 'Not Found', documentation_url: 'https://docs.example.com' })
    const error = await createClient({ baseUrl: 'https://api.example.com' })
      .get('/users/{name}', { params: { name: 'ghost' } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(HttpError)
    expect((error as HttpError<{ message: string }>).data.message).toBe('Not Found')
    expect(scope.isDone()).toBe(true)
  })
})
