// The helpers behind every factory's and every call's check of option names.
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../../src/index.ts'
import { closestName, optionNames, rejectUnknownCallOptions, rejectUnknownOptions } from '../../src/kit.ts'

interface Sample {
  token?: string
  baseUrl?: string
  timeout?: number
}

describe('closestName', () => {
  it('finds a slip: a swap, a missing or extra letter, another case', () => {
    const known = ['token', 'baseUrl', 'timeout']
    expect(closestName('tokn', known)).toBe('token')
    expect(closestName('toekn', known)).toBe('token')
    expect(closestName('timeoutt', known)).toBe('timeout')
    expect(closestName('BASEURL', known)).toBe('baseUrl')
  })

  it('suggests nothing for a name that is not close to any', () => {
    expect(closestName('proxy', ['token', 'baseUrl', 'timeout'])).toBeUndefined()
    expect(closestName('token', [])).toBeUndefined()
  })
})

describe('rejectUnknownOptions', () => {
  const known = optionNames<Sample>()(['token', 'baseUrl', 'timeout'])

  it('names the unknown option and the one meant', () => {
    expect(() => rejectUnknownOptions('github()', { tokn: 'x' }, known)).toThrow(
      new ConfigError("github(): unknown option 'tokn' (did you mean 'token'?)"),
    )
  })

  it('refuses an unknown option set to undefined, and names one without a close match plainly', () => {
    expect(() => rejectUnknownOptions('f()', { tokn: undefined }, known)).toThrow("unknown option 'tokn'")
    expect(() => rejectUnknownOptions('f()', { proxy: 'x' }, known)).toThrow(/^f\(\): unknown option 'proxy'$/)
  })

  it('shows a long or multi-line name on one short line', () => {
    const error = (() => {
      try {
        rejectUnknownOptions('f()', { [`a\nb${'c'.repeat(60)}`]: 1 }, known)
      } catch (caught) {
        return caught as Error
      }
    })()
    expect(error?.message).toBe(`f(): unknown option 'a b${'c'.repeat(37)}…'`)
  })

  it('accepts every known name, ignores symbol keys, and leaves a non-object to the caller', () => {
    rejectUnknownOptions('f()', { token: 'x', baseUrl: 'http://a', timeout: 1, [Symbol('s')]: 1 }, known)
    rejectUnknownOptions('f()', undefined, known)
    rejectUnknownOptions('f()', 'text', known)
  })
})

describe('optionNames', () => {
  it('returns the names, frozen', () => {
    const names = optionNames<Sample>()(['token', 'baseUrl', 'timeout'])
    expect(names).toEqual(['token', 'baseUrl', 'timeout'])
    expect(Object.isFrozen(names)).toBe(true)
  })

  it('fails to compile when the list misses an option or names one the type does not have', () => {
    // @ts-expect-error: 'timeout' is missing
    optionNames<Sample>()(['token', 'baseUrl'])
    // @ts-expect-error: 'proxy' is not an option of Sample
    optionNames<Sample>()(['token', 'baseUrl', 'timeout', 'proxy'])
    // A union's options are those of every member.
    optionNames<{ grant: 'a'; secret: string } | { grant: 'b'; refresh: string }>()(['grant', 'secret', 'refresh'])
  })
})

describe('rejectUnknownCallOptions', () => {
  const known = new Set(['query', 'headers'])

  it('takes the names of `also` too, and suggests from both', () => {
    rejectUnknownCallOptions('current()', { query: {}, units: 'metric' }, known, new Set(['units']))
    expect(() => rejectUnknownCallOptions('current()', { unitz: 'metric' }, known, new Set(['units']))).toThrow(
      "current(): unknown option 'unitz' (did you mean 'units'?); if a middleware reads it, declare it there: middleware.callOptions = ['unitz']",
    )
  })

  it('skips inherited keys and accepts undefined options; refuses null', () => {
    rejectUnknownCallOptions('get()', Object.create({ inherited: 1 }), known)
    rejectUnknownCallOptions('get()', undefined, known)
    expect(() => rejectUnknownCallOptions('get()', null, known)).toThrow('get(): options must be an object, got null')
  })
})
