// Pure (no DOM): also imported by tests that type-check with the worker's types.
const MAX_BACKOFF_MS = 15_000;

/** About 0.5 s doubling to 15 s, jittered so a deploy's reconnects spread out. */
export function retryDelayMs(attempt: number, random = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** attempt);
  return Math.round(base / 2 + random() * (base / 2));
}
