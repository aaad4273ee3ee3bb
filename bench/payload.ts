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
