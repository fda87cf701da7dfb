/**
 * The one retry curve: `baseMs` doubling with each attempt (1, 2, 3 …), capped at `maxMs`.
 * The slot object's outbox and the email outbox both retry on it, with their own base and cap.
 */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}
