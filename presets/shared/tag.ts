import { sha256Base64Url } from '../../middleware/kit.ts'

/**
 * A stable, non-reversible tag for a credential in a shared id (a Redis key name): the first 16
 * characters of its SHA-256 in base64url, as in earlier versions, so shared keys stay the same.
 */
export function tagOf(value: string): string {
  return sha256Base64Url(value).slice(0, 16)
}
