import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's Chromium (the `chromium` package): the only browser the suite uses; none is downloaded. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Whether Debian's Chromium is installed here. */
export const hasChromium = existsSync(CHROMIUM_PATH)

// Headless as root on a machine without a network or a GPU: no sandbox (it needs a non-root
// user), no GPU process, and none of the browser's own traffic (QUIC, updates, sync). Playwright
// adds --headless and a fresh, empty --user-data-dir that it removes on close.
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Launches Debian's headless Chromium through playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, headless: true })
}
