import { createHash } from 'node:crypto'

/** A stable, non-reversible tag for a credential in a shared id (a Redis key name). */
export function tagOf(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 16)
}
