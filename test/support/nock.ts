import nock from 'nock'
import { afterAll, afterEach, beforeAll } from 'vitest'

/**
 * Sets up nock for a test file: no real network except loopback (the test servers), the
 * interceptors cleared after each test, and nock taken out of the global fetch at the end.
 */
export function useNock(): void {
  beforeAll(() => {
    nock.disableNetConnect()
    nock.enableNetConnect('127.0.0.1')
  })
  afterEach(() => {
    nock.cleanAll()
  })
  afterAll(() => {
    nock.enableNetConnect()
    nock.restore()
  })
}
