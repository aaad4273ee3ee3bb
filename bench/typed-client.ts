/**
 * What a client typed by an OpenAPI document costs per call at run time, against the same
 * call on an untyped client: `createClient<paths>()` is the same class with other types, so
 * the difference should be nothing. Also what the `routes` option costs (one lookup per call,
 * and a merge for a route that has defaults). The network is stubbed out (a fetch that answers
 * at once), `parse()` is the stack, and turns of the variants are interleaved in one process;
 * the figure is client CPU µs per call, the median over rounds with its ~95% interval.
 *
 *   npx node bench/typed-client.ts [--rounds 30]
 */
import { parseArgs } from 'node:util'
import type { paths } from '../examples/petstore/api.ts'
import { parse } from '../middleware/index.ts'
import { createClient } from '../src/index.ts'
import { median, medianInterval, runTurn } from './measure.ts'
import { payloadFetch } from './payload.ts'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } })
const rounds = Number(values.rounds)
const baseUrl = 'http://127.0.0.1:1/petstore'
const fetch = payloadFetch()
const params = { petId: 1 }

const untyped = createClient({ baseUrl, fetch }).use(parse())
const typed = createClient<paths>({ baseUrl, fetch }).use(parse())
const routed = createClient<paths>({ baseUrl, fetch, routes: { 'GET /pets': { cache: 'no-store' } } }).use(parse())
const defaulted = createClient<paths>({
  baseUrl,
  fetch,
  routes: { 'GET /pets/{petId}': { timeout: 5_000, headers: { 'x-route': 'pet' } } },
}).use(parse())

const calls: Record<string, () => Promise<unknown>> = {
  'untyped get(path, { params })': () => untyped.get('/pets/{petId}', { params }),
  'typed get(path, { params })': () => typed.get('/pets/{petId}', { params }),
  "typed request('GET /pets/{petId}', …)": () => typed.request('GET /pets/{petId}', { params }),
  'typed, routes option (no entry for the route)': () => routed.get('/pets/{petId}', { params }),
  'typed, routes option (defaults for the route)': () => defaulted.get('/pets/{petId}', { params }),
}

const samples = new Map<string, number[]>(Object.keys(calls).map((name) => [name, []]))
for (const call of Object.values(calls)) await runTurn(call, 1, 400)
for (let round = 0; round < rounds; round++) {
  for (const [name, call] of Object.entries(calls)) samples.get(name)?.push((await runTurn(call, 1, 150)).cpuMicros)
}
const base = median(samples.get('untyped get(path, { params })') ?? [])
console.log('| call | CPU µs per call (median) | ~95% interval | vs untyped |\n| --- | --- | --- | --- |')
for (const [name, values] of samples) {
  const [low, high] = medianInterval(values)
  const mid = median(values)
  const change = `${mid >= base ? '+' : ''}${(((mid - base) / base) * 100).toFixed(1)}%`
  console.log(`| ${name} | ${mid.toFixed(1)} | ${low.toFixed(1)}–${high.toFixed(1)} | ${change} |`)
}
