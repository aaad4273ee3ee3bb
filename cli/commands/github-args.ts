import type { SearchRepositoriesParams } from '../../presets/index.ts'
import { UsageError } from '../errors.ts'
import { exactly, oneOf, onlyOptions, positiveInteger, type Values } from '../options.ts'

/** How `ply github search` sorts. */
export type SearchSort = NonNullable<SearchRepositoriesParams['sort']>
/** The order of `ply github search`. */
export type SearchOrder = NonNullable<SearchRepositoriesParams['order']>

const SORTS: readonly SearchSort[] = ['stars', 'forks', 'help-wanted-issues', 'updated']
const ORDERS: readonly SearchOrder[] = ['asc', 'desc']

/** `ply github user|repos|search …`, checked. */
export type GithubCommand =
  | { readonly name: 'github'; readonly action: 'user'; readonly user: string }
  | {
      readonly name: 'github'
      readonly action: 'repos'
      readonly user: string
      readonly all: boolean
      readonly limit: number | undefined
    }
  | {
      readonly name: 'github'
      readonly action: 'search'
      readonly query: string
      readonly sort: SearchSort | undefined
      readonly order: SearchOrder | undefined
    }

/** Reads `ply github <action> …` (the positionals after `github`). */
export function parseGithub(positionals: readonly string[], values: Values): GithubCommand {
  const [action, ...rest] = positionals
  switch (action) {
    case 'user': {
      onlyOptions(values, [], 'ply github user')
      const [user = ''] = exactly(rest, ['name'], 'ply github user')
      return { name: 'github', action, user }
    }
    case 'repos': {
      onlyOptions(values, ['all', 'limit'], 'ply github repos')
      const [user = ''] = exactly(rest, ['user'], 'ply github repos')
      return { name: 'github', action, user, all: values.all ?? false, limit: positiveInteger(values.limit, 'limit') }
    }
    case 'search': {
      onlyOptions(values, ['sort', 'order'], 'ply github search')
      if (rest.length === 0) throw new UsageError(`'ply github search' needs <query>`)
      return {
        name: 'github',
        action,
        // `ply github search tetris language:assembly` is one query.
        query: rest.join(' '),
        sort: oneOf(values.sort, SORTS, 'sort'),
        order: oneOf(values.order, ORDERS, 'order'),
      }
    }
    case undefined:
      throw new UsageError(`'ply github' needs an action: user, repos or search`)
    default:
      throw new UsageError(`unknown action 'github ${action}' (user, repos or search)`)
  }
}
