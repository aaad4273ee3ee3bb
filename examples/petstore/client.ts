// A typed client for the petstore of petstore.yaml: `createClient<paths>()` with the `paths`
// type openapi-typescript generated into api.ts (`npm run openapi:petstore`), on ply's full
// stack. Every call is checked against the document at compile time: the path, its
// parameters, the query, the JSON body, and the type of `data`. See docs/openapi.md.
import { type Client, createClient } from 'ply-http'
import { cache, dedupe, parse, rateLimit, retry } from 'ply-http/middleware'
import type { paths } from './api.ts'

/** The petstore's client, as an application would make it. */
export type Petstore = Client<paths>

/** A petstore client at `baseUrl` (the replica's `/petstore`, or a real deployment). */
export function petstore(baseUrl: string): Petstore {
  return createClient<paths>({
    baseUrl,
    timeout: 5_000,
    // Per-operation policy, without a middleware: a pet is revalidated with the server each
    // time; adding a pet may be retried (the store answers 503 before it stores anything);
    // changes go one at a time, in the limiter's group 'writes'.
    routes: {
      'GET /pets/{petId}': { cache: 'no-cache' },
      'POST /pets': { retry: true, limitGroup: 'writes' },
      'PUT /pets/{petId}': { limitGroup: 'writes' },
      'PATCH /pets/{petId}': { limitGroup: 'writes' },
      'DELETE /pets/{petId}': { limitGroup: 'writes' },
    },
  })
    .use(parse())
    .use(cache())
    .use(dedupe())
    .use(retry({ retries: 2 }))
    .use(rateLimit({ perSecond: 20, concurrency: 4, groups: { writes: { perSecond: 5, concurrency: 1 } } }))
}
