import { defineConfig } from 'vitest/config'

/**
 * Tests that measure a rate or a spread against real time (at the server, across processes,
 * under Redis restarts), or push thousands of calls through timeouts: they run one at a time,
 * after the rest, so that no other test file competes with them for the two cores.
 */
const TIMED = [
  'test/middleware/ratelimit-arrivals.test.ts',
  'test/middleware/ratelimit-adaptive.test.ts',
  'test/middleware/ratelimit-shared-arrivals.test.ts',
  'test/middleware/ratelimit-shared-restart.test.ts',
  'test/reliability/soak.test.ts',
]

export default defineConfig({
  test: {
    // Bounds that only catch a hang: on a loaded two-core machine a test that spawns Node
    // processes or waits on loopback servers can take many times its usual time.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Two files at a time: most tests wait on loopback servers, Redis or child processes
    // rather than compute, so two overlap well even on two cores (vitest's default there is
    // one). The timed ones run alone afterwards.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: TIMED } },
      {
        extends: true,
        test: { name: 'timed', include: TIMED, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
})
