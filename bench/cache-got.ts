import { readFile } from 'node:fs/promises'
import { Agent } from 'node:http'
import { findPackageJSON } from 'node:module'
import { pathToFileURL } from 'node:url'
import got, { type OptionsInit } from 'got'
import { CACHED_PATH, type CacheClient } from './cache-client.ts'

/** got's cache option when it is a Keyv (keyv 5, the line got 16 depends on). */
type GotKeyv = Extract<NonNullable<OptionsInit['cache']>, { setMaxListeners(n: number): void }>

interface KeyvModule {
  readonly Keyv: new (options: { namespace: string }) => GotKeyv
}

/**
 * Loads the `Keyv` class that got's cacheable-request checks its cache against with
 * `instanceof`: its own copy of keyv 5, not this project's keyv 6. Resolved from got to
 * cacheable-request to keyv, as Node would resolve them, then its ESM entry.
 */
async function cacheableRequestKeyv(): Promise<KeyvModule['Keyv']> {
  const cacheableRequest = findPackageJSON('cacheable-request', import.meta.resolve('got'))
  const manifestPath =
    cacheableRequest === undefined ? undefined : findPackageJSON('keyv', pathToFileURL(cacheableRequest))
  if (manifestPath === undefined) throw new Error("cannot find the keyv that got's cacheable-request uses")
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    exports: { '.': { import: { default: string } } }
  }
  const module: KeyvModule = await import(
    new URL(manifest.exports['.'].import.default, pathToFileURL(manifestPath)).href
  )
  return module.Keyv
}

/**
 * got 16 with its `cache` option on an in-memory Keyv. got's cache path leaks one `'error'`
 * listener on that Keyv per request (cacheable-request 13 adds it with `once` and removes the
 * unwrapped function, which never matches), and keyv 5 prints a warning per listener past 100.
 * Handing got a Keyv of our own (rather than a `Map`, which it wraps in a Keyv out of reach)
 * lets the bench lift the warning and drop the leaked listeners between turns, so that got's
 * figures do not depend on how long the run is. Within a turn got still pays for them.
 */
export async function gotClient(baseUrl: string): Promise<CacheClient> {
  const Keyv = await cacheableRequestKeyv()
  const keyv = new Keyv({ namespace: 'got-bench' })
  keyv.setMaxListeners(Number.POSITIVE_INFINITY)
  const agent = new Agent({ keepAlive: true })
  const client = got.extend({ cache: keyv, retry: { limit: 0 }, agent: { http: agent } })
  const url = `${baseUrl}${CACHED_PATH}`
  return {
    key: 'got',
    name: 'got + cache (Keyv)',
    cached: true,
    call: () => client.get(url).json(),
    reportsHit: async () => (await client.get(url)).isFromCache,
    afterTurn: () => keyv.removeAllListeners('error'),
    close: async () => {
      agent.destroy()
      await keyv.disconnect()
    },
  }
}
