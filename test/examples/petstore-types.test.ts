import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startScript } from '../support/child.ts'

const GENERATE = fileURLToPath(new URL('../../examples/petstore/generate.ts', import.meta.url))

describe('examples/petstore/api.ts', () => {
  it('is what openapi-typescript generates from petstore.yaml now', async () => {
    const { code, stdout, stderr } = await startScript(GENERATE, ['--check'], 110_000).exited
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toContain('is up to date')
  })
})
