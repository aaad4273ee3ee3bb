// The demo `npm run demo` runs: a ply client with a small stack against the replica API in
// ./server.ts, on loopback. It uses the built package, exactly as an application would.
import { createClient, HttpError, type Middleware } from 'ply'
import { parse } from 'ply/middleware'
import { startReplicaServer } from './server.ts'

interface User {
  login: string
  name: string
  public_repos: number
}
interface Repo {
  id: number
  name: string
}

/** A middleware of our own: one line per attempt, with its status and duration. */
const timing: Middleware = async (ctx, next) => {
  const started = performance.now()
  await next()
  const ms = (performance.now() - started).toFixed(1)
  console.log(`  ${ctx.request.method} ${ctx.request.peekUrl().pathname} → ${ctx.response?.status} in ${ms} ms`)
}

const server = await startReplicaServer()
try {
  const api = createClient({ baseUrl: server.url, timeout: 5_000, headers: { 'user-agent': 'ply-demo' } })
    .use(parse())
    .use(timing)

  console.log('A path template with a parameter:')
  const user = await api.get<User>('/users/{name}', { params: { name: 'octocat' } })
  console.log(`  ${user.data.name} has ${user.data.public_repos} repositories (status ${user.status})`)

  console.log('Every repository, following Link: rel="next":')
  const repos = await api
    .paginate<Repo[]>('/users/{name}/repos', { params: { name: 'torvalds' }, query: { per_page: 3 } })
    .all()
  console.log(`  ${repos.length} repositories: ${repos.map((repo) => repo.name).join(', ')}`)

  console.log('A JSON body:')
  const gist = await api.post<{ id: number }>('/gists', { json: { description: 'made with ply' } })
  console.log(`  created gist #${gist.data.id} (status ${gist.status})`)

  console.log('A typed error:')
  try {
    await api.get('/users/{name}', { params: { name: 'nobody' } })
  } catch (error) {
    if (!(error instanceof HttpError)) throw error
    console.log(`  ${error.name} ${error.status}: ${(error.data as { message: string }).message}`)
  }

  console.log('client.fetch, for code that expects fetch:')
  const response = await api.fetch('/users/torvalds')
  console.log(`  ${response.status} ${response.headers.get('content-type')}`)
  await response.body?.cancel()
} finally {
  await server.close()
}
