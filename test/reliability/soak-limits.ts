/**
 * The most the client's heap may differ, after the whole soak, from its size after the
 * baseline requests: 10 %, either way.
 */
export const HEAP_TOLERANCE = 0.1
