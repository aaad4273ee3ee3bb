/** The body the server answers GET /json with: about 200 bytes of JSON. */
export const PAYLOAD = {
  id: 1296269,
  name: 'hello-world',
  full_name: 'octocat/hello-world',
  private: false,
  owner: { login: 'octocat', id: 1, type: 'User' },
  description: 'My first repository',
  fork: false,
  stargazers_count: 80,
}

/**
 * A `fetch` that answers every request at once with `PAYLOAD` as JSON, plus `extraHeaders`:
 * for measuring a client's own cost with the network stubbed out. Its signature is the one
 * ky's `fetch` option takes; ply's `FetchFunction` accepts it too.
 */
export function payloadFetch(
  extraHeaders: Readonly<Record<string, string>> = {},
): (input: Request | URL | string, init?: RequestInit) => Promise<Response> {
  const text = JSON.stringify(PAYLOAD)
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...extraHeaders,
  }
  return async () => new Response(text, { headers })
}
