import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds that only catch a hang: on a loaded two-core machine a test that spawns Node
    // processes or waits on loopback servers can take many times its usual time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Tests start real loopback servers; keep them from competing for the two cores.
    fileParallelism: true,
    reporters: ['default'],
  },
})
