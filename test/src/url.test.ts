import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.ts'
import { appendQuery, expandPath, joinUrl } from '../../src/url.ts'

describe('path templates', () => {
  it('encodes a parameter as exactly one segment, so it cannot climb, query or fragment', () => {
    const path = expandPath('/users/{name}/repos', { name: '../admin?x=1#y' })
    expect(path).toBe('/users/..%2Fadmin%3Fx%3D1%23y/repos')
    const url = joinUrl('https://api.example.com/v1', path)
    expect(url.pathname.split('/')).toEqual(['', 'v1', 'users', '..%2Fadmin%3Fx%3D1%23y', 'repos'])
    expect(url.search).toBe('')
    expect(url.hash).toBe('')
  })

  it('refuses dot-segments and empty values, which no encoding keeps in place', () => {
    for (const name of ['..', '.', '']) {
      expect(() => expandPath('/users/{name}', { name })).toThrow(ConfigError)
    }
    expect(() => expandPath('/files/{+path}', { path: 'a/../b' })).toThrow(/would change the path/)
  })

  it('lets {+name} span segments, each encoded', () => {
    expect(expandPath('/repos/{owner}/contents/{+path}', { owner: 'o', path: 'src/a b/c#.ts' })).toBe(
      '/repos/o/contents/src/a%20b/c%23.ts',
    )
  })

  it('turns numbers and booleans into text', () => {
    expect(expandPath('/items/{id}/{flag}', { id: 42, flag: false })).toBe('/items/42/false')
  })

  it('names a missing parameter, an unused one and a broken template', () => {
    expect(() => expandPath('/users/{name}', {})).toThrow("path parameter 'name' is missing")
    expect(() => expandPath('/users/{name}', { name: 'a', nmae: 'b' })).toThrow('nmae not used')
    expect(() => expandPath('/users', { id: 1 })).toThrow('id not used')
    expect(() => expandPath('/users/{name', { name: 'a' })).toThrow(/unbalanced/)
    expect(() => expandPath('/users/{}', {})).toThrow(/invalid placeholder/)
  })
})

describe('joinUrl', () => {
  it('keeps the base path, unlike new URL(path, base)', () => {
    expect(joinUrl('https://ghe.example.com/api/v3', '/repos/a/b').href).toBe(
      'https://ghe.example.com/api/v3/repos/a/b',
    )
    expect(joinUrl('https://ghe.example.com/api/v3/', 'repos').href).toBe('https://ghe.example.com/api/v3/repos')
  })

  it('uses an absolute URL as is', () => {
    expect(joinUrl('https://a.example', 'https://b.example/x?page=2').href).toBe('https://b.example/x?page=2')
  })

  it('needs a baseUrl for a relative path', () => {
    expect(() => joinUrl(undefined, '/users')).toThrow(ConfigError)
  })
})

describe('query', () => {
  it('repeats array values, drops undefined and null, keeps an existing query', () => {
    const url = new URL('https://api.example.com/search?q=ply')
    appendQuery(url, { tag: ['a', 'b c'], page: 2, skip: undefined, none: null, flag: true, list: [1, null, 3] })
    expect(url.search).toBe('?q=ply&tag=a&tag=b+c&page=2&flag=true&list=1&list=3')
  })

  it('accepts URLSearchParams', () => {
    const url = new URL('https://api.example.com/')
    appendQuery(
      url,
      new URLSearchParams([
        ['a', '1'],
        ['a', '2'],
      ]),
    )
    expect(url.search).toBe('?a=1&a=2')
  })
})
