import { describe, expect, it } from 'vitest'
import { browserReach, bufferReferences } from './reach.ts'

// `ply-http` and `ply-http/middleware` must run unchanged in a browser: a bundle of both for
// `platform: 'browser'`, with nothing external, builds, reaches no Node built-in, and no code
// it takes in uses Buffer. ply's own code may not name Buffer at all; a package may test for it
// (`typeof Buffer !== 'undefined' && Buffer.isBuffer(v)`), which a browser runs without one.
const ENTRY = `
import * as core from './src/index.ts'
import * as middleware from './middleware/index.ts'
export { core, middleware }
`

describe('a browser bundle of ply-http and ply-http/middleware', () => {
  it('builds with nothing external, and reaches neither a Node built-in nor Buffer', async () => {
    const reach = await browserReach(ENTRY)
    expect(reach.problems, 'what a browser could not run, by file').toEqual([])
    // The bundle took in what it claims to check.
    expect(reach.inputs).toEqual(
      expect.arrayContaining(['src/index.ts', 'middleware/index.ts', 'middleware/shared/credential-scope.ts']),
    )
    expect(reach.inputs.some((file) => file.includes('node_modules/ky/'))).toBe(true)
  })
})

describe('a browser bundle of ply-http alone', () => {
  // Only middlewares hash (credential scopes, cache and dedupe keys): the core a browser loads
  // for plain calls carries no hashing library.
  it('takes in no hashing library', async () => {
    const reach = await browserReach(`export * from './src/index.ts'`)
    expect(reach.problems).toEqual([])
    expect(reach.inputs.filter((file) => file.includes('node_modules/@noble/'))).toEqual([])
    expect(reach.inputs).toContain('src/link-header.ts')
  })
})

describe('the check itself', () => {
  it('names the file that imports a Node built-in, and the path from the entry to it', async () => {
    const reach = await browserReach(`export * from './test/bundle/fixtures/reaches-node.ts'`)
    expect(reach.problems).toEqual([
      'test/bundle/fixtures/imports-node.ts imports the Node built-in "node:crypto", reached through browser-entry.ts → test/bundle/fixtures/reaches-node.ts → test/bundle/fixtures/imports-node.ts',
    ])
  })

  it('names a file that uses Buffer, and not one that only mentions it', async () => {
    const reach = await browserReach(`
      export * from './test/bundle/fixtures/uses-buffer.ts'
      export * from './test/bundle/fixtures/mentions-buffer.ts'
    `)
    expect(reach.problems).toEqual(['test/bundle/fixtures/uses-buffer.ts refers to Buffer, which browsers do not have'])
  })

  it('sees the global Buffer however it is reached, in TypeScript and JavaScript', async () => {
    for (const code of ['Buffer.alloc(1)', 'typeof Buffer', 'globalThis.Buffer.from("a")', 'const B = Buffer']) {
      expect((await bufferReferences(code, 'js')).all, code).toBeGreaterThan(0)
    }
    for (const code of ['"Buffer"', '// Buffer', 'x.Buffer', 'let v: Buffer | undefined', 'const Buffer = 1; Buffer']) {
      expect((await bufferReferences(code, 'ts')).all, code).toBe(0)
    }
  })

  it('allows a package only a feature test (typeof Buffer) and uses behind one in the same expression', async () => {
    const guarded = [
      "typeof Buffer !== 'undefined' && Buffer.isBuffer(v)",
      "'undefined' != typeof Buffer && Buffer.from(v)",
      "const hasBuffer = typeof Buffer === 'function'",
    ]
    for (const code of guarded) expect((await bufferReferences(code, 'js')).unguarded, code).toBe(0)
    const unguarded = [
      "if (typeof Buffer !== 'undefined') Buffer.from(v)",
      "typeof Buffer !== 'undefined' || Buffer.from(v)",
      "typeof Buffer !== 'undefined' && x && Buffer.from(v)",
    ]
    for (const code of unguarded) expect((await bufferReferences(code, 'js')).unguarded, code).toBeGreaterThan(0)
  })
})
