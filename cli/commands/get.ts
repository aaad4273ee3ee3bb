import { auth, cache, dedupe, parse, retry } from '../../middleware/index.ts'
import { createClient } from '../../src/index.ts'
import { type CommandContext, MAX_WAIT_MS, REVALIDATE } from './context.ts'
import type { GetCommand } from './get-args.ts'

/**
 * Runs `ply get`: a plain ply client with `parse`, the cache (when there is one), `dedupe`,
 * `retry` and, with `--bearer`, `auth.bearer`, sends one request and prints its body. With
 * `--raw` a JSON body is printed exactly as the server sent it (and a body that is not the JSON
 * it claims to be is printed as text rather than failing). The bearer token goes to the URL's
 * origin only (a redirect elsewhere loses it).
 */
export async function runGet(command: GetCommand, ctx: CommandContext): Promise<void> {
  let jsonText: string | undefined
  const parseJson = (text: string): unknown => {
    try {
      const value: unknown = JSON.parse(text)
      jsonText = text
      return value
    } catch (error) {
      if (ctx.global.raw) return text
      throw error
    }
  }
  const client = createClient({
    ...(ctx.global.baseUrl ? { baseUrl: ctx.global.baseUrl } : {}),
    headers: { 'user-agent': 'ply-cli' },
    ...(ctx.global.timeoutMs === undefined ? {} : { timeout: ctx.global.timeoutMs }),
  }).use(parse({ parseJson }))
  if (ctx.store) client.use(cache({ store: ctx.store }))
  const retries = ctx.global.retries === undefined ? {} : { retries: ctx.global.retries }
  client.use(dedupe()).use(retry({ maxRetryAfter: MAX_WAIT_MS, ...retries }))
  if (command.bearer !== undefined) client.use(auth.bearer(command.bearer, bearerOrigins(command.url)))
  ctx.calls.watch(client)
  const response = await client.request(command.method, command.url, {
    headers: command.headers.map(([name, value]) => [name, value]),
    cache: REVALIDATE,
    ...(command.json ? { json: command.json.value } : {}),
  })
  ctx.output.print(response.data, jsonText)
}

/**
 * Where `--bearer` may go: the origin of an absolute URL (the client has no `baseUrl` then, or
 * one the URL overrides); a path goes under `--base-url`, whose origin the token is bound to
 * by default.
 */
function bearerOrigins(url: string): { origins?: string[] } {
  return URL.canParse(url) ? { origins: [new URL(url).origin] } : {}
}
