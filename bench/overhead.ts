/**
 * ply's own cost per call, without the network: bare ky and ply call an in-process `fetch`
 * that answers at once with the bench's payload, so what is left is the clients' CPU time.
 * Rounds are paired as in the loopback bench; on a noisy machine this pins ply's extra CPU
 * time per call to a couple of microseconds in about 35 s. It also makes clean CPU profiles:
 *
 *   npx node bench/overhead.ts
 *   npx node --cpu-prof --cpu-prof-dir=/tmp/ply-prof bench/overhead.ts --only ply5 --rounds 60
 *   npx node bench/profile-summary.ts /tmp/ply-prof/*.cpuprofile
 */

import { parseArgs } from 'node:util'
import ky from 'ky'
import { plyCall } from './clients.ts'
import { median, medianInterval, runTurn } from './measure.ts'
import { payloadFetch } from './payload.ts'

const stubFetch = payloadFetch()

const baseUrl = 'http://127.0.0.1:9'
const clients: Record<string, () => Promise<unknown>> = {
  'stub fetch + .json()': async () => (await stubFetch(`${baseUrl}/json`)).json(),
  ky: () => ky.get(`${baseUrl}/json`, { retry: 0, fetch: stubFetch }).json(),
  ply: plyCall(baseUrl, 0, stubFetch),
  ply5: plyCall(baseUrl, 5, stubFetch),
}

const { values } = parseArgs({
  options: { only: { type: 'string' }, rounds: { type: 'string', default: '40' } },
})
const names = values.only === undefined ? Object.keys(clients) : [values.only]
const call = (name: string): (() => Promise<unknown>) => {
  const found = clients[name]
  if (found === undefined) throw new Error(`unknown client '${name}'; one of ${Object.keys(clients)}`)
  return found
}

/** Each client's CPU µs per call, one entry per round. */
async function measure(rounds: number): Promise<Map<string, number[]>> {
  const micros = new Map<string, number[]>(names.map((name) => [name, []]))
  for (const name of names) await runTurn(call(name), 1, 1000) // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const name of names) micros.get(name)?.push((await runTurn(call(name), 1, 200)).cpuMicros)
  }
  return micros
}

const micros = await measure(Number(values.rounds))
const kyRounds = micros.get('ky')
for (const [name, samples] of micros) {
  let versusKy = ''
  if (kyRounds !== undefined && name !== 'ky') {
    // Paired by round, like the loopback bench: the machine's speed drifts, a difference less so.
    const deltas = samples.map((value, round) => value - (kyRounds[round] ?? Number.NaN))
    const [low, high] = medianInterval(deltas).map((n) => n.toFixed(1))
    versusKy = `, ${signed(median(deltas))} vs bare ky (95% CI ${low} to ${high})`
  }
  console.log(`${name.padEnd(22)} ${median(samples).toFixed(1).padStart(6)} µs CPU per call${versusKy}`)
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`
}
