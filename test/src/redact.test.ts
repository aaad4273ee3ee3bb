import { inspect } from 'node:util'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { HttpError } from '../../src/index.ts'
import { REDACTED, redactQueryParam, redactText, redactUrl, redactUrlText, registerSecret } from '../../src/kit.ts'
import { redactMessage } from '../../src/redact.ts'

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

/** `global.gc`, made available inside this worker (vitest runs without --expose-gc). */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc')
  return runInNewContext('gc') as () => void
}

// Lives as long as this module: the owner of pins that must stay.
const pinOwner = {}

describe('the secret registry', () => {
  // Values registered per attempt, as a token function that mints a fresh token each time does.
  const rotate = (prefix: string, count: number): void => {
    for (let i = 0; i < count; i++) registerSecret(`${prefix}-${i}-rotating`, { transient: true })
  }

  it('never evicts a pinned secret, however many transient ones rotate through', () => {
    registerSecret('pinned-basic-pa55word', { owner: pinOwner })
    registerSecret('pinned-forever-key-1')
    rotate('flood-a', 5_000)
    expect(redactText('p=pinned-basic-pa55word k=pinned-forever-key-1')).toBe(`p=${REDACTED} k=${REDACTED}`)
  })

  it('keeps the recent transient values, evicts the least recently registered, and re-registering refreshes', () => {
    registerSecret('kept-alive-token-1', { transient: true })
    registerSecret('left-alone-token-1', { transient: true })
    for (let round = 0; round < 20; round++) {
      rotate(`flood-b${round}`, 100)
      // In use on every attempt: registered again each time.
      registerSecret('kept-alive-token-1', { transient: true })
    }
    expect(redactText('kept-alive-token-1')).toBe(REDACTED)
    expect(redactText('left-alone-token-1')).toBe('left-alone-token-1')
    expect(redactText('flood-b19-99-rotating')).toBe(REDACTED)
    expect(redactText('flood-b0-0-rotating')).toBe('flood-b0-0-rotating')
  })

  it('counts the encoded forms in its cap: of 20,000 tokens with + / = and space, only the most recent are kept', () => {
    const plain = 'GET https://api.example.com/items?page=2 failed: connect ECONNREFUSED 10.0.0.1:443'
    for (let i = 0; i < 20_000; i++) registerSecret(`tok+${i}/abc=def ghi`, { transient: true })
    // Each of these has three forms (as is, percent-encoded, form-encoded): about a third of
    // the cap's 1,024 forms remain, the most recent ones.
    expect(redactText('tok+19999/abc=def ghi')).toBe(REDACTED)
    expect(redactText(encodeURIComponent('tok+19999/abc=def ghi'))).toBe(REDACTED)
    expect(redactText(new URLSearchParams({ v: 'tok+19998/abc=def ghi' }).toString())).toBe(`v=${REDACTED}`)
    expect(redactText('tok+19000/abc=def ghi')).toBe('tok+19000/abc=def ghi')
    // The cap bounds the work of each call too: only the most recent forms are searched for.
    expect(redactText(plain)).toBe(plain)
  })

  it('masks a secret inside a longer one whole, longest first', () => {
    registerSecret('inner-secret-xyz')
    registerSecret('outer-inner-secret-xyz-outer')
    expect(redactText('a outer-inner-secret-xyz-outer b inner-secret-xyz')).toBe(`a ${REDACTED} b ${REDACTED}`)
  })

  it('releases a pin once its owner is garbage-collected: the value becomes a transient one', async () => {
    const gc = gcFunction()
    let owner: object | null = {}
    registerSecret('owned-secret-released', { owner })
    registerSecret('owned-secret-kept', { owner: pinOwner })
    owner = null
    for (let i = 0; i < 20; i++) {
      gc()
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    // Still masked for a while (an error made while it was in use may be logged later)...
    expect(redactText('owned-secret-released')).toBe(REDACTED)
    // ...until enough newer transient values have pushed it out.
    rotate('flood-c', 2_000)
    expect(redactText('owned-secret-released')).toBe('owned-secret-released')
    expect(redactText('owned-secret-kept')).toBe(REDACTED)
  })
})

describe('redactMessage', () => {
  it('masks the user info and secret parameters of every URL quoted in free text', () => {
    const text =
      'Request cannot be constructed from a URL that includes credentials: http://user:PASSW0RD@127.0.0.1:9/x?q=1, then https://api.example.com/y?token=t0k3n&page=2.'
    const redacted = redactMessage(text)
    expect(redacted).not.toMatch(/user|PASSW0RD|t0k3n/)
    expect(redacted).toContain('page=2')
    expect(redacted).toContain('Request cannot be constructed from a URL that includes credentials: http://')
    expect(redactMessage('no URL here')).toBe('no URL here')
    expect(redactMessage('GET https://api.example.com/x failed')).toBe('GET https://api.example.com/x failed')
  })

  it('keeps the prose that follows a URL: closing brackets and sentence punctuation are not part of a secret', () => {
    expect(redactMessage('HTTP 404 Not Found (GET https://a.example/x?api_key=s3cr3t)')).toBe(
      `HTTP 404 Not Found (GET https://a.example/x?api_key=${REDACTED})`,
    )
    expect(redactMessage('GET https://a.example/x?token=t0k3n: no answer.')).toBe(
      `GET https://a.example/x?token=${REDACTED}: no answer.`,
    )
    expect(redactMessage('[see https://u:pw@a.example/x?a=(1)].')).toBe(
      `[see https://${REDACTED}:${REDACTED}@a.example/x?a=(1)].`,
    )
  })
})
