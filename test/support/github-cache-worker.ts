// One process of the cross-process cache test: a github() preset sharing Redis, one call.
//   github-cache-worker.ts <redisUrl> <id> <baseUrl> [<scopeKey>]
// Prints the call's cache status and exits.
import { setCredentialScopeKey } from '../../middleware/kit.ts'
import { github } from '../../presets/index.ts'
import { redisConnection } from '../../redis/index.ts'

const [redisUrl, id, baseUrl, scopeKey] = process.argv.slice(2) as [string, string, string, string | undefined]
if (scopeKey) setCredentialScopeKey(scopeKey)
const gh = github({
  token: 'ghp_replica_token',
  baseUrl,
  userAgent: 'ply-tests',
  redis: redisConnection({ url: redisUrl, id }),
})
try {
  const repo = await gh.getRepo('octocat', 'Hello-World')
  console.log(repo.cacheStatus)
} finally {
  await gh.close()
}
