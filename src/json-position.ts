// A JSON syntax scanner (RFC 8259) that only answers where a text stops being JSON. It runs
// on the failure path of a parse, when the parser's message gave no offset (V8 says
// "Unexpected token '<', "<html>…" is not valid JSON" without one). It is iterative, with an
// explicit stack of open containers, so that deeply nested input cannot overflow the call stack.

const ARRAY = 0
const OBJECT = 1
const CLOSE_ARRAY = 0x5d // ]
const CLOSE_OBJECT = 0x7d // }

// What the scanner expects at the next non-whitespace character.
const VALUE = 0 // any value
const VALUE_OR_CLOSE = 1 // right after `[`: a value or `]`
const KEY = 2 // after `,` in an object: a string
const KEY_OR_CLOSE = 3 // right after `{`: a string or `}`
const AFTER_VALUE = 4 // `,` or the closing bracket, or the end of the text at the top level

/**
 * Where `text` stops being valid JSON: the offset (in UTF-16 code units, as `JSON.parse`
 * counts) of the first character that cannot continue it, or `text.length` when the text ends
 * too early (a truncated body, an empty one). `undefined` when `text` is valid JSON.
 */
export function jsonErrorOffset(text: string): number | undefined {
  const length = text.length
  const open: number[] = []
  let expect = VALUE
  let i = 0
  for (;;) {
    i = skipWhitespace(text, i)
    if (i >= length) return expect === AFTER_VALUE && open.length === 0 ? undefined : length
    const c = text.charCodeAt(i)
    if (expect === AFTER_VALUE) {
      const top = open.at(-1)
      // Anything but whitespace after the top-level value.
      if (top === undefined) return i
      if (c === 0x2c /* , */) {
        expect = top === ARRAY ? VALUE : KEY
        i++
      } else if (c === (top === ARRAY ? CLOSE_ARRAY : CLOSE_OBJECT)) {
        open.pop()
        i++
      } else {
        return i
      }
      continue
    }
    if (expect === KEY || expect === KEY_OR_CLOSE) {
      if (c === 0x7d /* } */ && expect === KEY_OR_CLOSE) {
        open.pop()
        expect = AFTER_VALUE
        i++
        continue
      }
      if (c !== 0x22 /* " */) return i
      const end = scanString(text, i)
      if (end < 0) return offsetOfFailure(end)
      i = skipWhitespace(text, end)
      if (i >= length) return length
      if (text.charCodeAt(i) !== 0x3a /* : */) return i
      expect = VALUE
      i++
      continue
    }
    // A value (or, right after `[`, the `]` of an empty array).
    if (c === 0x5d /* ] */ && expect === VALUE_OR_CLOSE) {
      open.pop()
      expect = AFTER_VALUE
      i++
    } else if (c === 0x5b /* [ */) {
      open.push(ARRAY)
      expect = VALUE_OR_CLOSE
      i++
    } else if (c === 0x7b /* { */) {
      open.push(OBJECT)
      expect = KEY_OR_CLOSE
      i++
    } else {
      const end =
        c === 0x22 /* " */
          ? scanString(text, i)
          : c === 0x2d /* - */ || isDigit(c)
            ? scanNumber(text, i)
            : scanLiteral(text, i)
      if (end < 0) return offsetOfFailure(end)
      expect = AFTER_VALUE
      i = end
    }
  }
}

// The scanners below return the offset just past what they read, or a failure encoded as a
// negative number (`fail(offset)`), so that the hot loop allocates nothing.
const fail = (offset: number): number => -1 - offset
const offsetOfFailure = (code: number): number => -1 - code

function skipWhitespace(text: string, from: number): number {
  let i = from
  for (;;) {
    const c = text.charCodeAt(i)
    // Space, tab, line feed, carriage return; NaN past the end stops the loop.
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++
    else return i
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
}

/** A string starting at `from` (its opening quote). */
function scanString(text: string, from: number): number {
  const length = text.length
  let i = from + 1
  while (i < length) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) return i + 1
    if (c < 0x20) return fail(i)
    if (c !== 0x5c /* \ */) {
      i++
      continue
    }
    i++
    if (i >= length) return fail(length)
    const escaped = text.charCodeAt(i)
    if (escaped === 0x75 /* u */) {
      for (let k = 1; k <= 4; k++) {
        if (i + k >= length) return fail(length)
        if (!isHexDigit(text.charCodeAt(i + k))) return fail(i + k)
      }
      i += 5
    } else if ('"\\/bfnrt'.includes(text.charAt(i))) {
      i++
    } else {
      return fail(i)
    }
  }
  return fail(length)
}

/** A number starting at `from`: `-`? (`0` | [1-9][0-9]*) (`.` [0-9]+)? ([eE] [+-]? [0-9]+)? */
function scanNumber(text: string, from: number): number {
  const length = text.length
  let i = from
  if (text.charCodeAt(i) === 0x2d /* - */) i++
  if (i >= length) return fail(length)
  if (text.charCodeAt(i) === 0x30 /* 0 */) i++
  else if (isDigit(text.charCodeAt(i))) i = skipDigits(text, i)
  else return fail(i)
  if (text.charCodeAt(i) === 0x2e /* . */) {
    i++
    if (i >= length) return fail(length)
    if (!isDigit(text.charCodeAt(i))) return fail(i)
    i = skipDigits(text, i)
  }
  const e = text.charCodeAt(i)
  if (e === 0x65 /* e */ || e === 0x45 /* E */) {
    i++
    const sign = text.charCodeAt(i)
    if (sign === 0x2b /* + */ || sign === 0x2d /* - */) i++
    if (i >= length) return fail(length)
    if (!isDigit(text.charCodeAt(i))) return fail(i)
    i = skipDigits(text, i)
  }
  return i
}

function skipDigits(text: string, from: number): number {
  let i = from
  while (isDigit(text.charCodeAt(i))) i++
  return i
}

/** `true`, `false` or `null` at `from`; anything else fails at its first wrong character. */
function scanLiteral(text: string, from: number): number {
  const first = text.charAt(from)
  const literal = first === 't' ? 'true' : first === 'f' ? 'false' : first === 'n' ? 'null' : undefined
  if (literal === undefined) return fail(from)
  for (let k = 1; k < literal.length; k++) {
    const i = from + k
    if (i >= text.length) return fail(text.length)
    if (text.charAt(i) !== literal.charAt(k)) return fail(i)
  }
  return from + literal.length
}
