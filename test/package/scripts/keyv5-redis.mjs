// keyv 5 with @keyv/redis 5 (the stable line) as the cache store: a first GET fills Redis, a
// second one in a new client over a new Keyv is answered from Redis. REDIS_URL names the server.
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import KeyvRedis from '@keyv/redis'
import Keyv from 'keyv'
import { createClient } from 'ply-http'
import { cache, parse } from 'ply-http/middleware'

const keyvVersion = JSON.parse(
  readFileSync(new URL('./node_modules/keyv/package.json', import.meta.url), 'utf8'),
).version
let requests = 0
const server = createServer((_req, res) => {
  requests += 1
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
  res.end(JSON.stringify({ n: requests }))
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const baseUrl = `http://127.0.0.1:${server.address().port}`
const namespace = `ply-tarball-${process.pid}-${Date.now()}`

/** One GET through a fresh client and a fresh Keyv on Redis; the store is disconnected after. */
async function getOnce(last) {
  const store = new Keyv({ store: new KeyvRedis(process.env.REDIS_URL), namespace })
  const layer = cache({ store })
  const api = createClient({ baseUrl }).use(parse()).use(layer)
  try {
    const response = await api.get('/resource')
    await layer.flush()
    return response
  } finally {
    if (last) await store.clear()
    await store.disconnect()
  }
}

try {
  const first = await getOnce(false)
  const second = await getOnce(true)
  const keyvMajor = Number(keyvVersion.split('.')[0])
  console.log(
    JSON.stringify({ keyvMajor, first: first.cacheStatus, second: second.cacheStatus, requests, data: second.data }),
  )
} finally {
  server.close()
}
