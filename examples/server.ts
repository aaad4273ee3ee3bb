import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A running replica server. */
export interface ReplicaServer {
  /** `http://127.0.0.1:<port>` */
  url: string
  close(): Promise<void>
}

interface User {
  login: string
  name: string
  public_repos: number
}

const users: Record<string, User> = {
  octocat: { login: 'octocat', name: 'The Octocat', public_repos: 8 },
  torvalds: { login: 'torvalds', name: 'Linus Torvalds', public_repos: 7 },
}

function reposOf(login: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `${login}-project-${i + 1}`, owner: login }))
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(text)
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      body += chunk
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

/**
 * A small REST API in the style of GitHub's, on 127.0.0.1: users, their repositories
 * (paginated with `Link` headers), and gists that can be created with a POST.
 */
export async function startReplicaServer(): Promise<ReplicaServer> {
  const gists: { id: number; description: string }[] = []
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://replica')
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    if (parts[0] === 'users' && parts[1] !== undefined) {
      const user = users[parts[1]]
      if (!user) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.example/users' })
      if (parts.length === 2) return send(res, 200, user)
      if (parts[2] === 'repos') {
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        const all = reposOf(user.login, user.public_repos)
        const last = Math.max(1, Math.ceil(all.length / perPage))
        const link = (n: number, rel: string) =>
          `<${`http://${req.headers.host}${url.pathname}?per_page=${perPage}&page=${n}`}>; rel="${rel}"`
        const links = [page < last ? link(page + 1, 'next') : '', link(last, 'last')].filter(Boolean)
        return send(res, 200, all.slice((page - 1) * perPage, page * perPage), { link: links.join(', ') })
      }
    }
    if (parts[0] === 'gists' && req.method === 'POST') {
      const input = JSON.parse(await readBody(req)) as { description?: string }
      const gist = { id: gists.length + 1, description: input.description ?? '' }
      gists.push(gist)
      return send(res, 201, gist)
    }
    return send(res, 404, { message: 'Not Found' })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
