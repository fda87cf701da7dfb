import type { SessionStatus } from "../shared/api-types";
import { SESSION_EARLY_START_MS } from "../shared/limits";
import { MINUTE_MS } from "../shared/time";
import { fail, ok, type Result } from "./errors";

/** RTC tokens stay valid this long after the slot's planned end (overrun). */
export const TOKEN_GRACE_MS = 15 * MINUTE_MS;

/** Start: SCHEDULED, from SESSION_EARLY_START_MS (60 minutes) before the slot starts until it ends. */
export function decideStart(
  status: SessionStatus,
  slot: { startsAt: number; endsAt: number },
  now: number,
): Result<void> {
  if (status === "IN_PROGRESS") return fail("SESSION_ALREADY_STARTED", "The session is already running.");
  if (status === "COMPLETED") return fail("SESSION_ENDED", "The session has already ended.");
  if (status === "CANCELLED") return fail("SESSION_ENDED", "The session was cancelled.");
  if (now < slot.startsAt - SESSION_EARLY_START_MS) {
    return fail(
      "SESSION_TOO_EARLY",
      `The session can be started from ${new Date(slot.startsAt - SESSION_EARLY_START_MS).toISOString()}, ${SESSION_EARLY_START_MS / MINUTE_MS} minutes before it begins.`,
    );
  }
  if (now >= slot.endsAt)
    return fail("SESSION_ENDED", "The slot's time is over; the session can no longer start.");
  return ok(undefined);
}

export function decideEnd(status: SessionStatus): Result<void> {
  if (status === "SCHEDULED") return fail("SESSION_NOT_STARTED", "The session has not started yet.");
  if (status === "COMPLETED" || status === "CANCELLED")
    return fail("SESSION_ENDED", "The session has already ended.");
  return ok(undefined);
}

export function decideJoin(status: SessionStatus): Result<void> {
  if (status === "SCHEDULED")
    return fail("SESSION_NOT_STARTED", "The instructor has not started the session yet.");
  if (status === "COMPLETED" || status === "CANCELLED") {
    return fail("SESSION_ENDED", "The session has ended; attendance is sealed.");
  }
  return ok(undefined);
}
