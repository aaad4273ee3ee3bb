// This process's own calls of one shared limiter, as Redis should know them: the leases of the
// calls in flight and the settle times still within the longest window. When Redis has lost
// its state (a restart, a failover, a flush) or missed an update (a settle while it was down),
// the process adds them again before it admits anything more, so the limits stay intact.

/** A process's calls of one limiter. Times are `performance.now()`. */
export interface OwnCalls {
  /** The members (lease names) of the calls in flight. */
  readonly inFlight: Set<string>
  /** Settled calls, oldest first; trimmed to the longest window. */
  readonly settled: { readonly member: string; readonly at: number }[]
  /** Redis may not know all of them: add them again before the next admission. */
  stale: boolean
}

export function ownCalls(): OwnCalls {
  return { inFlight: new Set(), settled: [], stale: false }
}

/** A call admitted as `member` is in flight. */
export function started(own: OwnCalls, member: string): void {
  own.inFlight.add(member)
}

/** The call `member` settled at `at`; `retention` is the longest window (0: no window keeps it). */
export function settled(own: OwnCalls, member: string, at: number, retention: number): void {
  own.inFlight.delete(member)
  if (retention > 0) own.settled.push({ member, at })
}

/** Whether Redis should know of any call of this process now. */
export function hasOwn(own: OwnCalls, retention: number, now: number): boolean {
  trim(own, retention, now)
  return own.inFlight.size > 0 || own.settled.length > 0
}

/** What `sync()` takes: the leases in flight, and each settled call with its age in ms. */
export function syncArgs(
  own: OwnCalls,
  retention: number,
  now: number,
): { leases: string[]; settled: [member: string, ageMs: number][] } {
  trim(own, retention, now)
  // Ages rounded down: Redis then places each settle a little later than it was, never earlier.
  return {
    leases: [...own.inFlight],
    settled: own.settled.map(({ member, at }) => [member, Math.max(0, Math.floor(now - at))]),
  }
}

function trim(own: OwnCalls, retention: number, now: number): void {
  let old = 0
  while (old < own.settled.length && (own.settled[old] as { at: number }).at + retention <= now) old += 1
  if (old > 0) own.settled.splice(0, old)
}
