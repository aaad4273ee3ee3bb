import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 10_000,
    hookTimeout: 10_000,
    // Tests start real loopback servers; keep them from competing for the two cores.
    fileParallelism: true,
    reporters: ['default'],
  },
})
