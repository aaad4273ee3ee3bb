import { github, type SearchRepositoriesParams } from '../../presets/index.ts'
import { githubToken } from '../credentials.ts'
import { attemptOptions, type CommandContext, MAX_WAIT_MS, REVALIDATE } from './context.ts'
import type { GithubCommand } from './github-args.ts'
import { listRepos } from './github-repos.ts'

/** Runs a `ply github` command through the GitHub preset and prints its data. */
export async function runGithub(command: GithubCommand, ctx: CommandContext): Promise<void> {
  const gh = github({
    token: githubToken(ctx.global, ctx.env),
    baseUrl: ctx.global.baseUrl,
    cache: ctx.store ?? false,
    userAgent: 'ply-cli',
    maxWait: MAX_WAIT_MS,
    ...attemptOptions(ctx.global),
  })
  ctx.calls.watch(gh.client)
  try {
    switch (command.action) {
      case 'user': {
        const response = await gh.getUser(command.user, { cache: REVALIDATE })
        ctx.output.print(response.data)
        return
      }
      case 'repos':
        ctx.output.print(await listRepos(gh, command, ctx.log))
        return
      case 'search': {
        const params: SearchRepositoriesParams = {
          ...(command.sort ? { sort: command.sort } : {}),
          ...(command.order ? { order: command.order } : {}),
        }
        const response = await gh.searchRepositories(command.query, params, { cache: REVALIDATE })
        ctx.output.print(response.data)
        return
      }
    }
  } finally {
    await gh.close()
  }
}
