import { describe, expect, it } from 'vitest'
import { type ApiResponse, nextLink } from '../../src/index.ts'
import { linkTarget } from '../../src/link-header.ts'

const next = (header: string) => linkTarget(header, 'next')

// As api.github.com sends them: page numbers, and the opaque cursors of the newer endpoints.
const GITHUB_MIDDLE_PAGE =
  '<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", ' +
  '<https://api.github.com/repositories/1300192/issues?page=4>; rel="next", ' +
  '<https://api.github.com/repositories/1300192/issues?page=515>; rel="last", ' +
  '<https://api.github.com/repositories/1300192/issues?page=1>; rel="first"'
const GITHUB_LAST_PAGE =
  '<https://api.github.com/repositories/1300192/issues?page=514>; rel="prev", ' +
  '<https://api.github.com/repositories/1300192/issues?page=1>; rel="first"'
const GITHUB_CURSOR =
  '<https://api.github.com/repositories/1300192/issues?per_page=2&after=Y3Vyc29yOnYyOpLPAAABkA%3D%3D&page=2>; rel="next", ' +
  '<https://api.github.com/repositories/1300192/issues?per_page=2&before=Y3Vyc29yOnYyOpLPAAABjw%3D%3D&page=1>; rel="prev"'

describe('linkTarget: the first link whose rel includes the relation', () => {
  it("reads GitHub's Link headers", () => {
    expect(next(GITHUB_MIDDLE_PAGE)).toBe('https://api.github.com/repositories/1300192/issues?page=4')
    expect(linkTarget(GITHUB_MIDDLE_PAGE, 'last')).toBe('https://api.github.com/repositories/1300192/issues?page=515')
    expect(linkTarget(GITHUB_MIDDLE_PAGE, 'prev')).toBe('https://api.github.com/repositories/1300192/issues?page=2')
    expect(next(GITHUB_LAST_PAGE)).toBeUndefined()
    expect(next(GITHUB_CURSOR)).toBe(
      'https://api.github.com/repositories/1300192/issues?per_page=2&after=Y3Vyc29yOnYyOpLPAAABkA%3D%3D&page=2',
    )
    expect(next('<https://api.github.com/user/7396/repos?page=2>; rel=next')).toBe(
      'https://api.github.com/user/7396/repos?page=2',
    )
  })

  it('takes rel as a space-separated list of relation types, matched case-insensitively', () => {
    expect(next('<a>; rel="next last"')).toBe('a')
    expect(next('<a>; rel="last next"')).toBe('a')
    expect(next('<a>; rel="first  \tnext"')).toBe('a')
    expect(next('<a>; rel=" next "')).toBe('a')
    expect(next('<a>; rel="NEXT"')).toBe('a')
    expect(linkTarget('<a>; rel="next"', 'Next')).toBe('a')
    expect(next('<a>; REL="next"')).toBe('a')
    // A relation type is a whole word: neither a prefix nor a URI ending in it matches.
    expect(next('<a>; rel="nextpage"')).toBeUndefined()
    expect(next('<a>; rel="https://example.com/next"')).toBeUndefined()
    expect(next('<a>; rel="next-archive"')).toBeUndefined()
    expect(next('<a>; rel=""')).toBeUndefined()
  })

  it('gives the first match in the order of the header', () => {
    expect(next('<1>; rel=next, <2>; rel=next')).toBe('1')
    expect(next('<1>; rel=prev, <2>; rel="prev next", <3>; rel=next')).toBe('2')
  })

  it('counts only the first rel parameter of a link, and no other parameter', () => {
    expect(next('<a>; rel=prev; rel=next')).toBeUndefined()
    expect(next('<a>; rel=next; rel=prev')).toBe('a')
    expect(next('<a>; rev=next')).toBeUndefined()
    expect(next('<a>; title=next')).toBeUndefined()
    expect(next("<a>; rel*=UTF-8''next")).toBeUndefined()
  })

  it('keeps commas and semicolons inside quoted strings and inside <…>', () => {
    expect(next('<a>; title="one, <b>; rel=next"; rel=prev, <c>; rel="next"')).toBe('c')
    expect(next('<a>; rel="next"; title="x, y; z", <b>; rel=last')).toBe('a')
    expect(next('<https://api.example.com/items?ids=1,2;v=3>; rel="next"')).toBe(
      'https://api.example.com/items?ids=1,2;v=3',
    )
  })

  it('reads backslash escapes in quoted strings, quotes and backslashes included', () => {
    expect(next('<a>; title="say \\"hi\\", <b>; rel=next"; rel=prev, <c>; rel=next')).toBe('c')
    expect(next('<a>; title="ends in a backslash \\\\"; rel=next')).toBe('a')
    expect(next('<a>; rel="\\n\\e\\x\\t"')).toBe('a')
  })

  it('allows whitespace around every delimiter, and empty list elements', () => {
    expect(next('  <a> ;rel = "prev" ,\t<b>\t;\trel\t=\tnext  ')).toBe('b')
    expect(next(', , <a>; rel=prev,,  , <b>; rel=next,')).toBe('b')
    expect(next('<a>;; rel=next;')).toBe('a')
  })

  it('takes parameters without a value, and unquoted values that are not tokens (URLs)', () => {
    expect(next('<a>; crossorigin; rel=next')).toBe('a')
    expect(next('<a>; anchor=https://example.com/x?y=1; rel=next')).toBe('a')
    expect(next('<a>; rel')).toBeUndefined()
    expect(next('<a>; rel=; title=x')).toBeUndefined()
  })

  it('gives the target as written, an empty one included', () => {
    expect(next('</items?page=2&per_page=3>; rel="next"')).toBe('/items?page=2&per_page=3')
    expect(next('<>; rel=next')).toBe('')
  })

  it('gives nothing for a malformed header, wherever the fault is, and never throws', () => {
    const malformed = [
      '',
      '   ',
      'garbage',
      'rel=next',
      '; rel=next',
      'https://example.com/a; rel=next',
      '<a',
      '<a; rel=next',
      '<a> rel=next',
      '<a>; =next',
      '<a>; rel="next',
      '<a>; rel="next\\"',
      '<a>; rel="next\\',
      '<a>; rel=ne"xt"',
      '<a>; rel=next <b>; rel=prev',
      '<a>; rel=next; title="x" y',
      '<a>; rel/x=next',
      // A well-formed next link does not excuse what follows it.
      '<a>; rel=next, <b',
      '<a>; rel=next, garbage',
      '<a>; rel=next, <b>; title="open',
    ]
    for (const header of malformed) expect(next(header), header).toBeUndefined()
  })

  it('ends on any input: random strings of the delimiters, and long runs of one', () => {
    // A fixed linear congruential sequence, so that a failure can be replayed.
    let seed = 42
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
      return seed / 2 ** 31
    }
    const alphabet = ['<', '>', ';', ',', '"', '\\', '=', ' ', '\t', 'rel', 'next', 'a', '*', '']
    for (let round = 0; round < 5_000; round++) {
      let header = ''
      const length = Math.floor(random() * 24)
      for (let i = 0; i < length; i++) header += alphabet[Math.floor(random() * alphabet.length)]
      const found = next(header)
      expect(found === undefined || typeof found === 'string', header).toBe(true)
    }
    for (const char of ['<', '>', ';', ',', '"', '\\', ' ']) {
      expect(next(char.repeat(200_000))).toBeUndefined()
    }
    expect(next(`${'<a>; rel=prev, '.repeat(20_000)}<b>; rel=next`)).toBe('b')
  })
})

describe('nextLink', () => {
  const pageWith = (link: string | undefined): ApiResponse<unknown> =>
    ({
      headers: new Headers(link === undefined ? {} : { link }),
      url: 'https://api.example.com/v1/items?page=1',
    }) as ApiResponse<unknown>

  it('resolves the next target against the page, or against the real URL paginate() passes', () => {
    expect(nextLink(pageWith('<items?page=2>; rel="next"'))).toBe('https://api.example.com/v1/items?page=2')
    const info = { url: new URL('https://api.example.com/v1/items?page=1&access_token=real') }
    expect(nextLink(pageWith('<?page=2&access_token=real>; rel="next"'), info)).toBe(
      'https://api.example.com/v1/items?page=2&access_token=real',
    )
  })

  it('ends the walk on a missing, nextless or malformed Link header', () => {
    expect(nextLink(pageWith(undefined))).toBeUndefined()
    expect(nextLink(pageWith(GITHUB_LAST_PAGE))).toBeUndefined()
    expect(nextLink(pageWith('<items?page=2>; rel="next'))).toBeUndefined()
  })
})
