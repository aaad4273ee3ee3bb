import type { components } from '../petstore/api.ts'
import { type Incoming, ifNoneMatchMatches, jsonReply, type Reply, weakEtag } from './http.ts'

// The API of examples/petstore/petstore.yaml, under /petstore: what the document says, and
// strict about it (a query parameter in another form, a body of another shape is an error),
// so that a client that sends what the document asks is seen to.

type Pet = components['schemas']['Pet']
type PetStatus = components['schemas']['PetStatus']

/** The petstore half of the replica: a request handler and the state the tests look at. */
export interface PetstoreReplica {
  /** Answers one request under `/petstore/`. */
  handle(req: Incoming): Reply
  /** The pets as stored now. */
  pets(): readonly Pet[]
}

/** Where the petstore's paths live. */
export const PETSTORE_PREFIX = '/petstore/'

const STATUSES: readonly PetStatus[] = ['available', 'pending', 'adopted']
const SEED: readonly Pet[] = [
  { id: 1, name: 'Rex', tags: ['dog', 'large'], status: 'available' },
  { id: 2, name: 'Tom', tags: ['cat'], status: 'adopted', owner: 'Ana María', adopted: '2024-03-02' },
  { id: 3, name: 'Nemo', tags: ['fish'], status: 'pending' },
  { id: 4, name: 'Kiki', tags: ['bird', 'small'], status: 'adopted', owner: 'Ana María', adopted: '2025-07-19' },
  { id: 5, name: 'Bolt', tags: ['dog', 'small'], status: 'available' },
]

const problem = (status: number, title: string, detail?: string): Reply => ({
  ...jsonReply(status, { title, status, ...(detail === undefined ? {} : { detail }) }),
  headers: { 'content-type': 'application/problem+json' },
})
const notFound = (petId: number) => jsonReply(404, { message: `No pet ${petId}`, petId })

/** The fields of a NewPet (`whole`) or of PetChanges, checked; a list of what is wrong otherwise. */
function petFields(body: string, whole: boolean): Partial<Pet> | { field: string; message: string }[] {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return [{ field: '', message: 'the body is not JSON' }]
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [{ field: '', message: 'not an object' }]
  const { name, tags, status, ...rest } = value as Record<string, unknown>
  const errors: { field: string; message: string }[] = Object.keys(rest).map((field) => ({
    field,
    message: 'unknown field',
  }))
  if ((whole || name !== undefined) && (typeof name !== 'string' || name === '')) {
    errors.push({ field: 'name', message: 'a non-empty string is required' })
  }
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string'))) {
    errors.push({ field: 'tags', message: 'an array of strings' })
  }
  if (status !== undefined && !STATUSES.includes(status as PetStatus)) {
    errors.push({ field: 'status', message: `one of ${STATUSES.join(', ')}` })
  }
  if (errors.length > 0) return errors
  const fields: Partial<Pet> = {}
  if (name !== undefined) fields.name = name as string
  if (tags !== undefined) fields.tags = tags as string[]
  if (status !== undefined) fields.status = status as PetStatus
  return fields
}

/** A whole number query parameter in [min, max], `fallback` when absent, `undefined` when malformed. */
function whole(value: string | null, fallback: number, min: number, max: number): number | undefined {
  if (value === null) return fallback
  if (!/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return n >= min && n <= max ? n : undefined
}

/** Creates the petstore, seeded with five pets; each replica has its own. */
export function createPetstore(): PetstoreReplica {
  const store = new Map<number, Pet>(SEED.map((pet) => [pet.id, structuredClone(pet)]))
  let nextId = SEED.length + 1

  function list(req: Incoming): Reply {
    const query = req.url.searchParams
    const limit = whole(query.get('limit'), 20, 1, 100)
    const page = whole(query.get('page'), 1, 1, Number.MAX_SAFE_INTEGER)
    const status = query.get('status')
    if (limit === undefined || page === undefined) return problem(400, 'Bad query', 'limit is 1 to 100, page from 1')
    if (status !== null && !STATUSES.includes(status as PetStatus)) return problem(400, 'Bad query', 'unknown status')
    // form style, exploded: `?tags=a&tags=b`; a comma-joined `tags=a,b` is one tag named 'a,b'.
    const tags = query.getAll('tags')
    const found = [...store.values()].filter(
      (pet) =>
        (status === null || pet.status === status) && (tags.length === 0 || pet.tags.some((t) => tags.includes(t))),
    )
    const items = found.slice((page - 1) * limit, page * limit)
    const headers: Record<string, string> = {}
    if (page * limit < found.length) {
      const next = new URL(req.url)
      next.searchParams.set('page', String(page + 1))
      headers.link = `<${next.href}>; rel="next"`
    }
    return jsonReply(200, items, headers)
  }

  function create(req: Incoming): Reply {
    const fields = petFields(req.body, true)
    if (Array.isArray(fields)) return jsonReply(422, { title: 'Invalid pet', status: 422, errors: fields })
    const pet: Pet = {
      id: nextId++,
      name: fields.name ?? '',
      tags: fields.tags ?? [],
      status: fields.status ?? 'available',
    }
    store.set(pet.id, pet)
    return jsonReply(201, pet, { location: `/petstore/pets/${pet.id}` })
  }

  function one(req: Incoming, petId: number): Reply {
    const pet = store.get(petId)
    if (req.method === 'POST') return problem(405, 'Method Not Allowed')
    if (pet === undefined) return req.method === 'HEAD' ? { status: 404, headers: {}, body: '' } : notFound(petId)
    if (req.method === 'GET' || req.method === 'HEAD') {
      const reply = jsonReply(200, pet, { 'cache-control': 'private, max-age=60' })
      const headers = { ...reply.headers, etag: weakEtag(reply.body) }
      const condition = req.headers['if-none-match']
      if (condition !== undefined && ifNoneMatchMatches(condition, headers.etag))
        return { status: 304, headers, body: '' }
      return req.method === 'HEAD' ? { status: 200, headers, body: '' } : { ...reply, headers }
    }
    if (req.method === 'DELETE') {
      store.delete(petId)
      return { status: 204, headers: {}, body: '' }
    }
    const fields = petFields(req.body, req.method === 'PUT')
    if (Array.isArray(fields)) {
      if (req.method === 'PATCH') return problem(400, 'Bad request', fields.map((f) => f.message).join('; '))
      return jsonReply(422, { title: 'Invalid pet', status: 422, errors: fields })
    }
    const updated: Pet =
      req.method === 'PUT'
        ? { id: petId, name: fields.name ?? '', tags: fields.tags ?? [], status: fields.status ?? 'available' }
        : { ...pet, ...fields }
    store.set(petId, updated)
    return jsonReply(200, updated)
  }

  function ownerPets(req: Incoming, owner: string): Reply {
    const since = req.url.searchParams.get('since')
    if (since === null || !/^\d{4}-\d{2}-\d{2}$/.test(since)) return problem(400, 'Bad query', 'since is required')
    const pets = [...store.values()].filter((pet) => pet.owner === owner && (pet.adopted ?? '') >= since)
    return jsonReply(200, pets)
  }

  return {
    handle(req) {
      const path = req.url.pathname.slice(PETSTORE_PREFIX.length - 1)
      if (path === '/pets') {
        if (req.method === 'GET') return list(req)
        if (req.method === 'POST') return create(req)
        return problem(405, 'Method Not Allowed')
      }
      const byId = /^\/pets\/([^/]+)$/.exec(path)
      if (byId) {
        const petId = Number(byId[1])
        return Number.isInteger(petId) ? one(req, petId) : problem(400, 'Bad path', 'petId is an integer')
      }
      const owned = /^\/owners\/([^/]+)\/pets$/.exec(path)
      if (owned && req.method === 'GET') return ownerPets(req, decodeURIComponent(owned[1] as string))
      return problem(404, 'Not Found')
    },
    pets: () => [...store.values()],
  }
}
