// `npm run demo`: both presets through their full stacks against the embedded replica of the
// GitHub and OpenWeatherMap APIs (./replica/), then a client typed by an OpenAPI document
// (./petstore/) against the replica's petstore, printing what each middleware did as the
// clients' events report it.
// `npm run demo -- --live` talks to the real APIs with GITHUB_TOKEN / OPENWEATHER_API_KEY.
// It uses the built package, exactly as an application would.
import { type ApiResponse, AuthError, type Client, isHttpError, PlyError } from 'ply-http'
import { type GitHub, github, type OpenWeatherMap, openWeatherMap } from 'ply-http/presets'
import { type Petstore, petstore } from './petstore/client.ts'
import { type Replica, startReplica } from './replica/index.ts'

const live = process.argv.includes('--live')
const REPLICA_TOKEN = 'ghp_replica_token'
const REPLICA_KEY = 'owm_replica_key'

const dim = (text: string) => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text)
const bold = (text: string) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[22m` : text)

/** One line per call: what it was, its status, what the cache did, attempts and time. */
function report(what: string, response: ApiResponse<unknown>, note = ''): void {
  const attempts = `${response.attempts} attempt${response.attempts === 1 ? '' : 's'}`
  const cells = [what.padEnd(44), String(response.status), response.cacheStatus.padEnd(11), attempts.padEnd(10)]
  console.log(`  ${cells.join('  ')} ${dim(`${response.elapsedMs.toFixed(1).padStart(7)} ms`)}  ${note}`)
}

/** What the client's calls did, in sum, as its events told it. */
interface Tally {
  calls: number
  sent: number
  cacheHits: number
  retries: number
  waits: number
}

/**
 * Listens to a client's events: prints each retry and rate-limit wait as it happens, and
 * tallies calls, requests sent and cache hits for the tour's closing line. `Client<object>`
 * takes any client, typed by a document or not.
 */
function watch(client: Client<object>): Tally {
  const tally: Tally = { calls: 0, sent: 0, cacheHits: 0, retries: 0, waits: 0 }
  client.on('retry', (event) => {
    tally.retries++
    const what = event.status === undefined ? event.error?.name : `HTTP ${event.status}`
    console.log(dim(`    retry: attempt ${event.attempt} got ${what}, next in ${event.delayMs} ms`))
  })
  client.on('rateLimited', (event) => {
    tally.waits++
    // A concurrency wait has no schedule (waitMs 0): the response event says how long it took.
    const how = event.reason === 'concurrency' ? 'waits for a free slot' : `waits ${event.waitMs} ms (${event.reason})`
    console.log(dim(`    rate limit: group ${event.group} ${how}`))
  })
  client.on('cacheHit', () => tally.cacheHits++)
  client.on('response', (event) => {
    tally.calls++
    tally.sent += event.attempts
    const waited = event.rateLimitWaitMs ?? 0
    if (waited > 0) console.log(dim(`    rate limit: the call waited ${Math.round(waited)} ms in all`))
  })
  return tally
}

function summary(tally: Tally): void {
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`
  const parts = [
    `${count(tally.sent, 'request')} sent`,
    `${tally.cacheHits} served from the cache`,
    count(tally.retries, 'retry', 'retries'),
    count(tally.waits, 'rate-limit wait'),
  ]
  console.log(dim(`  ${count(tally.calls, 'call')}: ${parts.join(', ')}`))
}

/** Runs a call that is expected to fail, and prints the error's type and message. */
async function expectError(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call()
    console.log(`  ${what.padEnd(44)}  unexpectedly succeeded`)
  } catch (error) {
    if (!(error instanceof PlyError)) throw error
    console.log(`  ${what.padEnd(44)}  ${bold(error.name)}: ${error.message}`)
  }
}

async function githubTour(gh: GitHub, replica: Replica | undefined): Promise<void> {
  console.log(bold('\nGitHub: github({ token })'))
  const user = await gh.getUser('octocat')
  report("getUser('octocat')", user, `${user.data.name}, ${user.data.public_repos} public repos`)
  report("getUser('octocat') again", await gh.getUser('octocat'), 'served by the cache, no request')

  const repo = await gh.getRepo('octocat', 'Hello-World', { cache: 'no-cache' })
  report("getRepo(…) with cache: 'no-cache'", repo, `quota left: ${gh.quota().remaining}`)
  const again = await gh.getRepo('octocat', 'Hello-World', { cache: 'no-cache' })
  report("getRepo(…) with cache: 'no-cache' again", again, `If-None-Match → 304; quota left: ${gh.quota().remaining}`)

  let pages = 0
  let repos = 0
  for await (const page of gh.listUserRepos('torvalds').pages()) {
    pages++
    repos += page.data.length
    report(`listUserRepos('torvalds') page ${pages}`, page, `${repos} repos so far`)
  }

  if (replica) replica.failNext(1, { status: 503, pathPrefix: '/repos/' })
  report("getRepo('torvalds', …) through a 503", await gh.getRepo('torvalds', 'linux'), 'retried')

  const found = await gh.searchRepositories('hello', { sort: 'stars', order: 'desc', per_page: 3 })
  report("searchRepositories('hello')", found, `${found.data.total_count} found (search has its own quota)`)

  if (replica) {
    const started = Date.now()
    const creates = await Promise.all(
      [1, 2, 3].map((n) =>
        gh.request('POST /repos/{owner}/{repo}/issues', { owner: 'octocat', repo: 'Hello-World', title: `demo ${n}` }),
      ),
    )
    for (const created of creates) report(`create issue #${created.data.number}`, created)
    console.log(dim(`    3 mutations, at least a second apart: ${Date.now() - started} ms in all`))

    replica.github.setQuota(REPLICA_TOKEN, { remaining: 1, resetAt: Date.now() + 2_000 })
    report('getUser(…) uses the last request of the quota', await gh.getUser('torvalds', { cache: 'no-store' }))
    report('getUser(…) waits for the reset', await gh.getUser('torvalds', { cache: 'no-store' }))
  }

  await expectError("getUser('no-such-user-here')", () => gh.getUser('no-such-user-here'))
  await expectError('a bad token', () =>
    github({ token: 'ghp_not_a_real_token', baseUrl: replica?.url }).getUser('octocat'),
  )
  if (replica) {
    replica.github.setQuota(REPLICA_TOKEN, { remaining: 0, resetAt: Date.now() + 3_600_000 })
    await expectError('a spent quota, reset past the deadline', () =>
      gh.getUser('octocat', { cache: 'no-store', deadline: 2_000 }),
    )
  }
}

async function weatherTour(weather: OpenWeatherMap, replica: Replica | undefined): Promise<void> {
  console.log(bold("\nOpenWeatherMap: openWeatherMap({ apiKey, units: 'metric' })"))
  const now = await weather.current('London')
  report("current('London')", now, `${now.data.main.temp} °C, ${now.data.weather[0]?.description ?? ''}`)
  report("current('London') again", await weather.current('London'), 'no caching headers: the 10-minute ttl applies')
  const forecast = await weather.forecast({ lat: 35.68, lon: 139.69 })
  report('forecast({ lat: 35.68, lon: 139.69 })', forecast, `${forecast.data.city.name}: ${forecast.data.cnt} entries`)
  console.log(dim(`    cod is a number in both: current ${now.data.cod}, forecast ${forecast.data.cod}`))
  const zip = await weather.current({ zip: '94040', country: 'us' }, { units: 'imperial' })
  report("current({ zip: '94040', country: 'us' })", zip, `${zip.data.name}: ${zip.data.main.temp} °F`)
  await expectError("current('Atlantis')", () => weather.current('Atlantis'))
  if (replica) {
    await expectError('a wrong API key', () =>
      openWeatherMap({ apiKey: 'not-a-key', baseUrl: replica.url }).current('Paris'),
    )
  }
}

async function petstoreTour(api: Petstore, replica: Replica): Promise<void> {
  console.log(bold('\nPetstore: createClient<paths>() from examples/petstore/petstore.yaml'))
  const dogs = await api.get('/pets', { query: { tags: ['dog', 'cat'], status: 'available' } })
  report("get('/pets', { query: { tags: ['dog', 'cat'] } })", dogs, dogs.data.map((pet) => pet.name).join(', '))
  const rex = await api.get('/pets/{petId}', { params: { petId: 1 } })
  report("get('/pets/{petId}', { params: { petId: 1 } })", rex, `${rex.data.name}: ${rex.data.status}`)
  const again = await api.get('/pets/{petId}', { params: { petId: 1 } })
  report('the same pet again', again, "routes: { 'GET /pets/{petId}': { cache: 'no-cache' } } revalidates")
  replica.failNext(1, { status: 503, pathPrefix: '/petstore/pets' })
  const luna = await api.post('/pets', { json: { name: 'Luna', tags: ['cat'] } })
  report("post('/pets', { json: { name: 'Luna' } })", luna, `#${luna.data.id}, retried: routes say POST /pets may be`)
  const patched = await api.patch('/pets/{petId}', { params: { petId: luna.data.id }, json: { status: 'adopted' } })
  report("patch('/pets/{petId}', { json: { status } })", patched, patched.data.status)
  const owned = await api.request('GET /owners/{owner}/pets', {
    params: { owner: 'Ana María' },
    query: { since: '2024-01-01' },
  })
  report("request('GET /owners/{owner}/pets', …)", owned, owned.data.map((pet) => pet.name).join(', '))
  let count = 0
  for await (const page of api.paginate('/pets', { query: { limit: 2 } }).pages()) {
    count += page.data.length
    report("paginate('/pets', { query: { limit: 2 } })", page, `${count} pets so far`)
  }
  report('delete the new pet', await api.delete('/pets/{petId}', { params: { petId: luna.data.id } }))
  try {
    await api.get('/pets/{petId}', { params: { petId: luna.data.id } })
  } catch (error) {
    if (!(isHttpError(error, api, 'GET /pets/{petId}') && error.status === 404)) throw error
    // The document's 404 body, typed: { message, petId }.
    console.log(`  ${'get the deleted pet'.padEnd(44)}  404: ${error.data.message} (petId ${error.data.petId})`)
  }
}

const replica = live ? undefined : await startReplica()
console.log(
  live
    ? 'ply demo against the real GitHub and OpenWeatherMap APIs'
    : `ply demo against the embedded replica at ${replica?.url} (npm run demo -- --live for the real APIs)`,
)
console.log(dim(`  ${'call'.padEnd(44)}  status  cache        attempts         time`))
const gh = github({
  token: live ? process.env.GITHUB_TOKEN : REPLICA_TOKEN,
  baseUrl: replica?.url,
  userAgent: 'ply-demo',
})
const apiKey = live ? process.env.OPENWEATHER_API_KEY : REPLICA_KEY
try {
  const githubTally = watch(gh.client)
  await githubTour(gh, replica)
  summary(githubTally)
  if (apiKey) {
    const weather = openWeatherMap({ apiKey, units: 'metric', baseUrl: replica?.url })
    const weatherTally = watch(weather.client)
    await weatherTour(weather, replica)
    summary(weatherTally)
    await weather.close()
  } else {
    console.log('\nOpenWeatherMap: skipped, set OPENWEATHER_API_KEY to run it against the real API')
  }
  if (replica) {
    const pets = petstore(`${replica.url}/petstore`)
    const petTally = watch(pets)
    await petstoreTour(pets, replica)
    summary(petTally)
    await pets.close()
  }
} catch (error) {
  if (error instanceof AuthError && live) console.error('\nGitHub refused GITHUB_TOKEN; unset it to go anonymous')
  throw error
} finally {
  await gh.close()
  await replica?.close()
}
