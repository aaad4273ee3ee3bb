import { mkdir, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import path from 'node:path'

/**
 * The user's cache directory for ply: `$XDG_CACHE_HOME/ply` or `~/.cache/ply` on Linux and
 * other Unixes, `~/Library/Caches/ply` on macOS, `%LOCALAPPDATA%\ply\cache` on Windows.
 */
export function defaultCacheDir(
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA || path.win32.join(home, 'AppData', 'Local')
    return path.win32.join(local, 'ply', 'cache')
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Caches', 'ply')
  // The XDG spec says a relative path is invalid and to be ignored.
  const xdg = env.XDG_CACHE_HOME
  return xdg && path.posix.isAbsolute(xdg) ? path.posix.join(xdg, 'ply') : path.posix.join(home, '.cache', 'ply')
}

/** Where the cache lives: `--cache-dir`, else `PLY_CACHE_DIR`, else `defaultCacheDir()`. */
export function resolveCacheDir(option: string | undefined, env: NodeJS.ProcessEnv): string {
  return path.resolve(option ?? (env.PLY_CACHE_DIR || defaultCacheDir(env)))
}

/**
 * Creates `dir` and its missing parents with mode 0700, as `mkdir -p`. Written out rather
 * than `mkdir({ recursive: true })`, which loops forever where a parent exists but refuses
 * new entries with `ENOENT` (under `/proc`, for example).
 */
export async function makeCacheDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 })
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') {
      if (!(await stat(dir)).isDirectory()) throw error
      return
    }
    const parent = path.dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw error
    await makeCacheDir(parent)
    await mkdir(dir, { mode: 0o700 }).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== 'EEXIST') throw again
    })
  }
}
