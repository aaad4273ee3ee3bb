import { present } from './credentials.ts'

/** The variables that name a proxy, as curl, gh and Node read them (lowercase wins where both are set). */
export const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] as const

/** Whether the environment names a proxy (`NO_PROXY` alone names none). */
export function namesProxy(env: NodeJS.ProcessEnv): boolean {
  return PROXY_VARIABLES.some((name) => present(env[name]) !== undefined)
}

/**
 * Sends this run's requests through the proxy the environment names: `HTTPS_PROXY` for https:
 * URLs, `HTTP_PROXY` for http: ones, except the hosts `NO_PROXY` lists (lowercase forms
 * first). It is Node's own proxy support, turned on for the running process with
 * `http.setGlobalProxyFromEnv(env)` (Node 24.14 and later); no package is added. On an older
 * Node, proxies are used only when the process was started with `NODE_USE_ENV_PROXY=1` or
 * `--use-env-proxy` (Node 22.21 and 24.5 on), and `note` hears, once, what to do otherwise.
 * Resolves to a function that puts the previous global agents back.
 */
export async function useEnvProxy(env: NodeJS.ProcessEnv, note: (message: string) => void): Promise<() => void> {
  if (!namesProxy(env)) return () => undefined
  const http = await import('node:http')
  // Typed as always there, but Node added it in 24.14 (and 25.4).
  const setGlobalProxyFromEnv: typeof http.setGlobalProxyFromEnv | undefined = http.setGlobalProxyFromEnv
  if (typeof setGlobalProxyFromEnv === 'function') return setGlobalProxyFromEnv({ ...env })
  if (!startedWithEnvProxy()) {
    note(
      `a proxy is set in the environment, but Node ${process.version} cannot use it unless started with ` +
        'NODE_USE_ENV_PROXY=1 (Node 22.21 or later); requests go direct',
    )
  }
  return () => undefined
}

/** Whether Node read the proxy variables itself when this process started. */
function startedWithEnvProxy(): boolean {
  return (
    process.env.NODE_USE_ENV_PROXY === '1' ||
    process.execArgv.includes('--use-env-proxy') ||
    /(^|\s)--use-env-proxy(\s|$)/.test(process.env.NODE_OPTIONS ?? '')
  )
}
