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

  it('treats a path with a colon but no scheme:// as relative (custom methods)', () => {
    expect(joinUrl('https://api.example.com/v1', 'users:search').href).toBe('https://api.example.com/v1/users:search')
    expect(joinUrl('https://api.example.com/v1', `${expandPath('{id}:activate', { id: 42 })}`).href).toBe(
      'https://api.example.com/v1/42:activate',
    )
    expect(joinUrl('https://api.example.com/v1', '/things/7:cancel?x=1').href).toBe(
      'https://api.example.com/v1/things/7:cancel?x=1',
    )
    expect(joinUrl('https://api.example.com', 'mailto:x').href).toBe('https://api.example.com/mailto:x')
    expect(() => joinUrl(undefined, 'users:search')).toThrow(/relative URL and the client has no baseUrl/)
  })

  it('takes scheme:// case-insensitively, and refuses a scheme other than http(s), naming it', () => {
    expect(joinUrl('https://a.example', 'HTTPS://b.example/x').href).toBe('https://b.example/x')
    expect(joinUrl(undefined, 'Http://b.example/x').href).toBe('http://b.example/x')
    expect(() => joinUrl('https://a.example', 'ftp://files.example/x')).toThrow(ConfigError)
    expect(() => joinUrl('https://a.example', 'ftp://files.example/x')).toThrow(/'ftp:'/)
    expect(() => joinUrl(undefined, 'File:///etc/passwd')).toThrow(/'file:'/)
  })
})

describe('query', () => {
  it('repeats array values, drops undefined and null, keeps an existing query', () => {
    const url = new URL('https://api.example.com/search?q=ply')
    appendQuery(url, { tag: ['a', 'b c'], page: 2, skip: undefined, none: null, flag: true, list: [1, null, 3] })
    expect(url.search).toBe('?q=ply&tag=a&tag=b+c&page=2&flag=true&list=1&list=3')
  })

  it('keeps the query already in the path byte for byte, and appends after a &', () => {
    const url = new URL('https://api.example.com/s?flag&q=a%20b&e=%7e')
    appendQuery(url, { x: 1, y: 'c d' })
    expect(url.search).toBe('?flag&q=a%20b&e=%7e&x=1&y=c+d')
    const trailing = new URL('https://api.example.com/s?a=1&')
    appendQuery(trailing, { b: 2 })
    expect(trailing.search).toBe('?a=1&b=2')
    const bare = new URL('https://api.example.com/s?')
    appendQuery(bare, { b: 2 })
    expect(bare.href).toBe('https://api.example.com/s?b=2')
    const untouched = new URL('https://api.example.com/s?flag&q=a%20b')
    appendQuery(untouched, { gone: undefined, none: null, list: [] })
    expect(untouched.search).toBe('?flag&q=a%20b')
  })

  it('takes strings, numbers, booleans and bigints, and refuses anything else, naming the parameter', () => {
    const url = new URL('https://api.example.com/')
    appendQuery(url, { s: 'x', n: 1.5, b: false, big: 12345678901234567890n, list: ['a', 2, true, 3n] })
    expect(url.search).toBe('?s=x&n=1.5&b=false&big=12345678901234567890&list=a&list=2&list=true&list=3')
    const bad: [string, unknown, RegExp][] = [
      ['filter', { a: 1 }, /query parameter 'filter' .* got object/],
      ['since', new Date(0), /query parameter 'since' .* got a Date/],
      ['ids', [1, { a: 1 }], /query parameter 'ids' .* got object/],
      ['nested', [[1, 2]], /query parameter 'nested' .* got a nested array/],
      ['fn', () => 1, /query parameter 'fn' .* got function/],
      ['sym', Symbol('s'), /query parameter 'sym' .* got symbol/],
    ]
    for (const [name, value, message] of bad) {
      expect(() => appendQuery(new URL('https://api.example.com/'), { [name]: value } as never)).toThrow(ConfigError)
      expect(() => appendQuery(new URL('https://api.example.com/'), { [name]: value } as never)).toThrow(message)
    }
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
