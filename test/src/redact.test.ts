import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { HttpError, REDACTED, redactQueryParam, redactUrl, redactUrlText, registerSecret } from '../../src/index.ts'

describe('redactUrl', () => {
  it('masks secret query parameters and keeps the rest', () => {
    expect(redactUrl('https://api.example.com/weather?q=London&appid=abc123&units=metric')).toBe(
      `https://api.example.com/weather?q=London&appid=${REDACTED}&units=metric`,
    )
    expect(redactUrl('https://api.example.com/x?Access_Token=t1&access_token=t2')).not.toMatch(/t1|t2/)
  })

  it('masks userinfo, including a token given as the user name alone', () => {
    expect(redactUrl('https://user:pa55@host.example/')).not.toMatch(/user|pa55/)
    expect(redactUrl('https://ghp_token123@host.example/')).not.toContain('ghp_token123')
  })

  it('masks tokens in a fragment', () => {
    const url = redactUrl('https://app.example/cb#access_token=tok&state=s1')
    expect(url).not.toContain('tok&')
    expect(url).toContain('state=s1')
  })

  it('masks parameters registered by name', () => {
    expect(redactUrl('https://api.example.com/?x-my-key=k9')).toContain('k9')
    redactQueryParam('X-My-Key')
    expect(redactUrl('https://api.example.com/?x-my-key=k9')).not.toContain('k9')
  })

  it('returns the URL untouched (and uncopied) when nothing is secret', () => {
    const url = new URL('https://api.example.com/users?page=2')
    expect(redactUrl(url)).toBe(url.href)
  })
})

describe('redactUrlText', () => {
  it('masks what redactUrl masks, whether or not it takes the fast path', () => {
    redactQueryParam('x-Custom-Key')
    registerSecret('path-secret-42')
    const urls = [
      'https://api.example.com/items?page=2&sort=name',
      'https://api.example.com/items?page=2&ACCESS_TOKEN=t0k3n',
      'https://api.example.com/items?x-custom-key=k3y',
      'https://api.example.com/items?api%5Fkey=k3y',
      'https://user:pw@api.example.com/items',
      'https://api.example.com/path-secret-42/items?q=1',
      'https://api.example.com/items#access_token=t0k3n',
    ]
    for (const url of urls) expect(redactUrlText(url)).toBe(redactUrl(url))
    expect(redactUrlText(urls[0] as string)).toBe(urls[0])
    expect(urls.slice(1).map(redactUrlText).join(' ')).not.toMatch(/t0k3n|k3y|pw@|path-secret-42/)
  })
})

describe('HttpError serialisation', () => {
  it('names cookies without their values', () => {
    const headers = new Headers([
      ['content-type', 'application/json'],
      ['set-cookie', 'session=s3cr3t'],
    ])
    const error = new HttpError({ status: 401, statusText: 'Unauthorized', headers, data: { message: 'no' } })
    const json = JSON.stringify(error)
    expect(json).not.toContain('s3cr3t')
    expect(JSON.parse(json)).toMatchObject({ name: 'HttpError', status: 401, data: { message: 'no' } })
    expect(inspect(error)).toContain('HttpError')
    expect(inspect(error)).toContain("'content-type': 'application/json'")
    expect(inspect(error, { depth: 10 })).not.toContain('s3cr3t')
  })
})
