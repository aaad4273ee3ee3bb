// A reader for the `Link` header (RFC 8288), for as much of it as pagination needs: the target
// of the first link whose `rel` names a given relation type. Nothing is built for the other
// links or parameters; see docs/decisions.md.
//
//   Link       = #link-value                                   (RFC 9110 §5.6.1 list: commas, OWS)
//   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
//   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]

// RFC 9110 §5.6.2 tchar, anchored at the reader's position (sticky).
const TOKEN = /[-!#$%&'*+.^_`|~0-9A-Za-z]+/y
// An unquoted value as servers send them: up to the next delimiter or space, URLs included (a
// token cannot hold `/` or `:`, yet an unquoted `anchor=https://…` is seen in the wild).
const BARE_VALUE = /[^;,"\s]*/y
const SPACES = /[ \t]+/

/** A syntax error: the reader gives up on the whole header. */
const MALFORMED = Symbol('malformed')

/**
 * The URI-Reference (as written, not resolved) of the first link-value in `header` whose `rel`
 * parameter includes the relation type `relation`, compared case-insensitively; `undefined`
 * when there is none or when the header is malformed anywhere (a header that does not parse
 * is not trusted for any of its links). Linear in the header's length; never throws.
 */
export function linkTarget(header: string, relation: string): string | undefined {
  const result = new LinkReader(header).find(relation.toLowerCase())
  return result === MALFORMED ? undefined : result
}

class LinkReader {
  readonly text: string
  #at = 0

  constructor(text: string) {
    this.text = text
  }

  /** Reads every link-value, so that a malformed one anywhere is seen; keeps the first match. */
  find(relation: string): string | undefined | typeof MALFORMED {
    let found: string | undefined
    for (;;) {
      // Empty list elements (`, ,`) are allowed and skipped (RFC 9110 §5.6.1).
      this.#skipSpace()
      while (this.#peek() === ',') {
        this.#at++
        this.#skipSpace()
      }
      if (this.#at >= this.text.length) return found
      const link = this.#linkValue()
      if (link === MALFORMED) return MALFORMED
      if (found === undefined && link.rel?.toLowerCase().split(SPACES).includes(relation)) found = link.uri
      // After a link-value: the end, or a comma before the next.
      if (this.#at < this.text.length && this.#peek() !== ',') return MALFORMED
    }
  }

  /** `<uri>` and its parameters, up to (not past) the comma or the end that closes it. */
  #linkValue(): { uri: string; rel: string | undefined } | typeof MALFORMED {
    if (this.#peek() !== '<') return MALFORMED
    const close = this.text.indexOf('>', this.#at + 1)
    if (close === -1) return MALFORMED
    const uri = this.text.slice(this.#at + 1, close)
    this.#at = close + 1
    let rel: string | undefined
    for (;;) {
      this.#skipSpace()
      if (this.#peek() !== ';') return { uri, rel }
      this.#at++
      this.#skipSpace()
      // An empty parameter (`;;`, or a `;` before the end) carries nothing.
      const next = this.#peek()
      if (next === ';' || next === ',' || next === undefined) continue
      const name = this.#match(TOKEN)
      if (name === '') return MALFORMED
      this.#skipSpace()
      let value = ''
      if (this.#peek() === '=') {
        this.#at++
        this.#skipSpace()
        const read = this.#peek() === '"' ? this.#quoted() : this.#match(BARE_VALUE)
        if (read === MALFORMED) return MALFORMED
        value = read
      }
      // Only the first `rel` counts; later ones are ignored (RFC 8288 §3.3).
      if (rel === undefined && name.toLowerCase() === 'rel') rel = value
    }
  }

  /** A quoted-string, `\` escaping the next character; the position is on its opening quote. */
  #quoted(): string | typeof MALFORMED {
    let value = ''
    for (let i = this.#at + 1; i < this.text.length; i++) {
      const char = this.text[i]
      if (char === '"') {
        this.#at = i + 1
        return value
      }
      if (char === '\\') i++
      if (i < this.text.length) value += this.text[i]
    }
    // No closing quote.
    return MALFORMED
  }

  /** The run `pattern` (sticky) matches at the position, consumed; '' when none. */
  #match(pattern: RegExp): string {
    pattern.lastIndex = this.#at
    const match = pattern.exec(this.text)?.[0] ?? ''
    this.#at += match.length
    return match
  }

  #skipSpace(): void {
    while (this.#peek() === ' ' || this.#peek() === '\t') this.#at++
  }

  #peek(): string | undefined {
    return this.text[this.#at]
  }
}
