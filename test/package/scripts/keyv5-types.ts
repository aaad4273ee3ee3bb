// Type-checked in the fresh project against keyv 5 and @keyv/redis 5 (and, in this repository,
// against keyv 6 and @keyv/redis 6): a Keyv instance is a store for cache() and the presets.
import KeyvRedis from '@keyv/redis'
import Keyv from 'keyv'
import { createClient } from 'ply-http'
import { cache } from 'ply-http/middleware'
import { github } from 'ply-http/presets'

const store = new Keyv({ store: new KeyvRedis('redis://127.0.0.1:6379'), namespace: 'types' })
export const api = createClient({ baseUrl: 'https://api.example.com' }).use(cache({ store }))
export const gh = github({ cache: store })
