// Loads ply-http, ply-http/kit, ply-http/middleware and ply-http/presets and runs a stack and both presets
// without Redis; prints which Redis modules anything tried to load (none, it must be).
import { createServer } from 'node:http'
import { watchModules } from './watch-modules.mjs'

const watch = watchModules()
const { createClient } = await import('ply-http')
const { redactUrl } = await import('ply-http/kit')
const { cache, dedupe, parse, rateLimit, retry } = await import('ply-http/middleware')
const { github, openWeatherMap } = await import('ply-http/presets')

const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"ok":true}')
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const baseUrl = `http://127.0.0.1:${server.address().port}`
try {
  const api = createClient({ baseUrl })
    .use(parse())
    .use(cache())
    .use(dedupe())
    .use(retry())
    .use(rateLimit({ perSecond: 5 }))
  const response = await api.get('/x')
  const gh = github({ token: 'ghp_tarball', baseUrl, userAgent: 'ply-tarball-test' })
  const weather = openWeatherMap({ apiKey: 'tarball', baseUrl })
  await Promise.all([gh.close(), weather.close()])
  const report = {
    redisModulesTried: watch.tried({ ownEntry: true }),
    status: response.status,
    presetsBuilt: true,
    kitLoaded: !redactUrl('https://u:pw@x.test/').includes('pw'),
  }
  console.log(JSON.stringify(report))
} finally {
  server.close()
}
