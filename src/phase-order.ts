import { ConfigError } from './errors.ts'
import type { Middleware } from './middleware.ts'
import { isPhase, type OrderedPhase, PHASE_RULES, PHASES, rankOf } from './phases.ts'

/** The members of each middleware `compose()` made, so that a stack checks them, not the whole. */
const composedMembers = new WeakMap<Middleware, readonly Middleware[]>()

/** Records what `composed` is made of, for the phase checks of the stacks it joins. */
export function recordMembers(composed: Middleware, members: readonly Middleware[]): void {
  composedMembers.set(composed, members)
}

/** A middleware whose phase is checked, with its rank and what the messages call it. */
interface Ranked {
  readonly phase: OrderedPhase
  readonly rank: number
  readonly name: string
}

/**
 * The middleware's name in messages: its `displayName`, else its function's name, else what
 * it is; `composed` adds the `compose()` it sits in.
 */
function nameOf(middleware: Middleware, composed: boolean): string {
  const own =
    typeof middleware.displayName === 'string' && middleware.displayName !== ''
      ? middleware.displayName
      : middleware.name !== ''
        ? middleware.name
        : `a middleware of phase ${String(middleware.phase)}`
  return composed ? `${own} (in a compose())` : own
}

/**
 * The ranked middlewares `middleware` stands for, outermost first: itself, or the members of a
 * composed one (a composed middleware takes its members' places: its outermost member's
 * phase faces what is outside it, its innermost member's what is inside it).
 *
 * @throws {ConfigError} when one declares a phase that is not in the table.
 */
function rankedOf(middleware: Middleware, where: string, composed = false): Ranked[] {
  const members = composedMembers.get(middleware)
  if (members !== undefined) return members.flatMap((member) => rankedOf(member, where, true))
  const phase: unknown = middleware.phase
  if (phase === undefined) return []
  if (!isPhase(phase)) {
    throw new ConfigError(
      `${where}: ${nameOf(middleware, composed)} declares the phase ${JSON.stringify(String(phase))}; a phase is one of ${PHASES.join(', ')}`,
    )
  }
  const rank = rankOf(phase)
  if (rank === undefined) return []
  return [{ phase: phase as OrderedPhase, rank, name: nameOf(middleware, composed) }]
}

/**
 * Throws a `ConfigError` when `added`, placed inside every middleware of `placed` (outermost
 * first), breaks a rule of the phase table: when one already placed has a later phase than
 * `added` (or than a member of it), so `added` should have come first. The message names the
 * outermost such pair, why the rule holds, and the order that works.
 *
 * @param where Names the caller: `use()`, `new Client(): middlewares[2]`, `compose(): middleware #1`.
 * @param verb How the fix is said: `use` for `use()`, `put` for a list.
 */
export function checkPlacement(
  placed: readonly Middleware[],
  added: Middleware,
  where: string,
  verb: 'use' | 'put',
): void {
  const inner = rankedOf(added, where)
  // A composed middleware's members were checked in order when it was made: its outermost
  // ranked member has its lowest rank, and only that one can meet a later phase outside it.
  const first = inner[0]
  if (first === undefined) return
  for (const middleware of placed) {
    for (const outer of rankedOf(middleware, where)) {
      if (outer.rank <= first.rank) continue
      const reason = PHASE_RULES[`${first.phase}>${outer.phase}` as keyof typeof PHASE_RULES]
      throw new ConfigError(
        `${where}: ${outer.name} is outside ${first.name}: ${reason}; ${verb} ${first.name} before ${outer.name}`,
      )
    }
  }
}

/** Checks a list of middlewares, outermost first, as if each were added after those before it. */
export function checkOrder(middlewares: readonly Middleware[], where: (index: number) => string): void {
  middlewares.forEach((middleware, index) => {
    checkPlacement(middlewares.slice(0, index), middleware, where(index), 'put')
  })
}
