// ioredis is an optional peer dependency of ply-http: only this entry uses it. It is loaded on
// first use (nothing of it loads with the entry), and a missing one is a ConfigError that says
// what to install, at the factory, rather than a module-not-found later.
import { createRequire } from 'node:module'
import type { Redis } from 'ioredis'
import { ConfigError } from '../src/index.ts'

/** The packages `ply-http/redis` needs besides ply-http's own dependencies. */
const PEERS = ['ioredis'] as const
const INSTALL = 'npm install ioredis'

/** The peers' classes, once loaded. */
export interface Peers {
  readonly Redis: typeof Redis
}

/**
 * Checks, without loading them, that the peers can be found from here.
 * @throws ConfigError naming each missing package and the command that installs them.
 */
export function requirePeers(where: string): void {
  const resolver = createRequire(import.meta.url)
  const missing = PEERS.filter((name) => {
    try {
      resolver.resolve(name)
      return false
    } catch {
      return true
    }
  })
  if (missing.length === 0) return
  const names = missing.join(' and ')
  throw new ConfigError(
    `${where}: ply-http/redis needs ${names}, which ${missing.length > 1 ? 'are' : 'is'} not installed (${INSTALL})`,
  )
}

/** Loads ioredis; a failure is a `ConfigError` that says what to install. */
export async function loadPeers(): Promise<Peers> {
  try {
    return { Redis: (await import('ioredis')).Redis }
  } catch (error) {
    throw new ConfigError(`ply-http/redis could not load ioredis (${INSTALL})`, { cause: error })
  }
}
