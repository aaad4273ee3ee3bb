import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from '../../middleware/index.ts'
import { createClient, ParseError } from '../../src/index.ts'
import { jsonErrorOffset } from '../../src/json-position.ts'
import { startServer, type TestServer } from '../support/server.ts'

/** Where V8's `JSON.parse` says `text` went wrong, or `undefined` when its message has no offset. */
function v8Position(text: string): number | undefined {
  try {
    JSON.parse(text)
  } catch (error) {
    const match = /position (\d+)/.exec((error as Error).message)
    return match ? Number(match[1]) : undefined
  }
  throw new Error(`${text} is valid JSON`)
}

describe('jsonErrorOffset', () => {
  it('finds the first invalid character where V8 names none', () => {
    expect(v8Position('<html>oops</html>')).toBeUndefined()
    expect(jsonErrorOffset('<html>oops</html>')).toBe(0)
    expect(v8Position('{"a": x}')).toBeUndefined()
    expect(jsonErrorOffset('{"a": x}')).toBe(6)
    expect(jsonErrorOffset('[1,2,]')).toBe(5)
    expect(jsonErrorOffset('{"a":}')).toBe(5)
    expect(jsonErrorOffset('trux')).toBe(3)
  })

  it('agrees with V8 wherever V8 names an offset', () => {
    const broken = [
      '{"a":1,}',
      '[1,2',
      '{"a":1}x',
      '"abc',
      '01',
      '{"a":1}\n{',
      '-',
      '1e',
      '"\\x"',
      '"a\u0001"',
      '{"a" 1}',
      '[1.]',
      '1.5e+',
      '"\\u12x4"',
      '{,}',
      '-01',
      '[]]',
      '{"x":1 "y":2}',
    ]
    for (const text of broken) {
      const expected = v8Position(text)
      expect(expected, text).toBeDefined()
      expect(jsonErrorOffset(text), text).toBe(expected)
    }
  })

  it('gives the length for a text that ends too early, and undefined for valid JSON', () => {
    for (const text of ['', '  ', 'tru', '{"ok": tru', '{"a":', '[[[[', '"\\u00']) {
      expect(jsonErrorOffset(text), text).toBe(text.length)
    }
    for (const text of ['1.5e+3', ' [ ] ', '{"a":[1,{"b":null}],"c":"\\u00e9","d":-0.5E-2,"e":true}', '"x"']) {
      expect(jsonErrorOffset(text), text).toBeUndefined()
    }
  })

  it('scans deep nesting without recursion', () => {
    const depth = 1_000_000
    expect(jsonErrorOffset('['.repeat(depth))).toBe(depth)
    expect(jsonErrorOffset(`${'['.repeat(depth)}${']'.repeat(depth)}`)).toBeUndefined()
    expect(jsonErrorOffset(`${'{"a":'.repeat(depth)}x`)).toBe(5 * depth)
  })
})

const bodies: Record<string, string> = {
  '/html': '<html>oops</html>',
  '/bare-word': '{"a": x}',
  '/trailing-comma': '[1,2,]',
  '/truncated': '{"ok": tru',
  '/object-comma': '{"a":1,}',
}

let server: TestServer
beforeAll(async () => {
  server = await startServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
    res.end(bodies[req.url ?? ''] ?? '{}')
  })
})
afterAll(() => server.close())

async function parseErrorOf(path: string, withParse = false): Promise<ParseError> {
  const client = createClient({ baseUrl: server.url })
  if (withParse) client.use(parse())
  const error = await client.get(path).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ParseError)
  return error as ParseError
}

describe('a malformed JSON body gives a ParseError with a position', () => {
  it('HTML labelled JSON', async () => {
    const error = await parseErrorOf('/html')
    expect(error.position).toBe(0)
    expect(error.contentType).toBe('application/json; charset=utf-8')
    expect(error.message).toBe(
      `GET ${server.url}/html failed: the response body is not valid JSON (Content-Type: application/json; charset=utf-8) at position 0`,
    )
    // The body is not quoted in the message.
    expect(error.message).not.toContain('html>')
  })

  it('an unexpected bare word', async () => {
    const error = await parseErrorOf('/bare-word')
    expect(error.position).toBe(6)
    expect(error.message).toMatch(/Content-Type: application\/json.* at position 6$/)
  })

  it('a trailing comma, with and without parse()', async () => {
    for (const withParse of [false, true]) {
      const error = await parseErrorOf('/trailing-comma', withParse)
      expect(error.position).toBe(5)
      expect(error.message).toMatch(/Content-Type: application\/json.* at position 5$/)
    }
  })

  it('a truncated body: the position is its length', async () => {
    const error = await parseErrorOf('/truncated')
    expect(error.position).toBe(10)
    expect(error.message).toMatch(/Content-Type: application\/json.* at position 10$/)
  })

  it('with a custom parseJson, the position is where the body stops being JSON', async () => {
    // This parser sees other text than the body: its own offsets would be two characters off.
    const parseJson = (text: string) => JSON.parse(`  ${text}`)
    const client = createClient({ baseUrl: server.url }).use(parse({ parseJson }))
    const html = await client.get('/html').catch((e: unknown) => e)
    expect((html as ParseError).position).toBe(0)
    const comma = await client.get('/object-comma').catch((e: unknown) => e)
    expect(((comma as ParseError).cause as Error).message).toMatch(/position 9/)
    expect((comma as ParseError).position).toBe(7)
  })
})
