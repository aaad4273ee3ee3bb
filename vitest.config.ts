import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds that only catch a hang: on a loaded two-core machine a test that spawns Node
    // processes or waits on loopback servers can take many times its usual time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two files at a time: many tests wait on loopback servers, Redis or child processes
    // rather than compute, so two overlap well even on two cores (vitest's default there is
    // one). More than two starve the tests that measure a rate against real time.
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
  },
})
