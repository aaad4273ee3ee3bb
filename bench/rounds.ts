import { log } from './log.ts'
import type { Turn } from './measure.ts'

/** Anything that takes turns: a name for the progress lines is all the loop needs. */
export interface Named {
  readonly name: string
}

/**
 * Runs `rounds` rounds in which every client takes one turn (`turn(client)`), and returns
 * each client's turns in round order. Within a round the clients take turns, so a drift of
 * the machine (thermal, other load) spreads over all of them; each round starts one client
 * later than the one before (A B C, B C A, …), so that no client always follows the same
 * neighbour (and, say, always pays for its garbage collection).
 */
export async function interleave<C extends Named, T extends Turn>(
  clients: readonly C[],
  rounds: number,
  turn: (client: C) => Promise<T>,
  label: string,
): Promise<Map<C, T[]>> {
  const turns = new Map<C, T[]>(clients.map((client) => [client, []]))
  for (let round = 0; round < rounds; round++) {
    const order = clients.map((_, i) => clients[(round + i) % clients.length] as C)
    const done: string[] = []
    for (const client of order) {
      const result = await turn(client)
      turns.get(client)?.push(result)
      done.push(`${client.name} ${Math.round(result.rps)}`)
    }
    log(`${label}, round ${round + 1}/${rounds} (req/s): ${done.join(', ')}`)
  }
  return turns
}
