// ioredis and bottleneck are optional peer dependencies of ply-http: only this entry uses them.
// They are loaded on first use (nothing of them loads with the entry), and a missing one is a
// ConfigError that says what to install, at the factory, rather than a module-not-found later.
import { createRequire } from 'node:module'
import type Bottleneck from 'bottleneck'
import type { Redis } from 'ioredis'
import { ConfigError } from '../src/index.ts'

/** The packages `ply-http/redis` needs besides ply-http's own dependencies. */
const PEERS = ['ioredis', 'bottleneck'] as const
const INSTALL = 'npm install ioredis bottleneck'

/** The peers' classes, once loaded. */
export interface Peers {
  readonly Bottleneck: typeof Bottleneck
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

/** Loads ioredis and bottleneck; a failure is a `ConfigError` that says what to install. */
export async function loadPeers(): Promise<Peers> {
  try {
    const [bottleneck, ioredis] = await Promise.all([import('bottleneck'), import('ioredis')])
    return { Bottleneck: bottleneck.default, Redis: ioredis.Redis }
  } catch (error) {
    throw new ConfigError(`ply-http/redis could not load ioredis and bottleneck (${INSTALL})`, { cause: error })
  }
}
