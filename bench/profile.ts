/**
 * One client alone, in a loop, for a CPU profile:
 *
 *   npx node --cpu-prof --cpu-prof-dir=/tmp/ply-prof bench/profile.ts --client ply5 --seconds 10
 *   npx node bench/profile-summary.ts /tmp/ply-prof/*.cpuprofile
 *
 * Clients: undici, fetch, ky, got, axios, ply, ply5, ply-full (see bench/clients.ts). The server runs in its own
 * process, so the profile holds the client's work only.
 */
import { parseArgs } from 'node:util'
import { withClients } from './clients.ts'
import { runTurn } from './measure.ts'

const { values } = parseArgs({
  options: {
    client: { type: 'string', default: 'ply5' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
  },
})
await withClients(async (clients) => {
  const client = clients.find((c) => c.key === values.client)
  if (client === undefined) throw new Error(`unknown client '${values.client}'; one of ${clients.map((c) => c.key)}`)
  const turn = await runTurn(client.call, Number(values.concurrency), Number(values.seconds) * 1000)
  console.log(`${client.name}: ${Math.round(turn.rps)} req/s, ${Math.round(turn.cpuMicros)} µs CPU per request`)
})
