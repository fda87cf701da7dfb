import type { SessionType, SlotStatus, StoredSlotStatus } from "../shared/api-types";
import { BOOKING_WINDOW_DAYS, BOOKING_WINDOW_MS, MAX_GROUP_SEATS, MIN_GROUP_SEATS } from "../shared/limits";
import { fail, ok, type Result } from "./errors";

/** Re-exported only for the services that still import them from here; their homes are in src/shared. */
export type { SessionType, SlotStatus, StoredSlotStatus };

/** A slot may start from `now` up to `now + BOOKING_WINDOW_MS` (28 days) inclusive. */
export function checkStartWithinWindow(startsAt: number, now: number): Result<void> {
  if (startsAt < now) return fail("SLOT_IN_PAST", "A slot cannot start in the past.");
  if (startsAt > now + BOOKING_WINDOW_MS) {
    return fail(
      "SLOT_BEYOND_WINDOW",
      `A slot can start at most ${BOOKING_WINDOW_DAYS} days ahead (until ${new Date(now + BOOKING_WINDOW_MS).toISOString()}).`,
    );
  }
  return ok(undefined);
}

/**
 * Seats for a session type: ONE_TO_ONE is always 1 (may be omitted), GROUP needs
 * MIN_GROUP_SEATS..MAX_GROUP_SEATS (2..20).
 * Fails with VALIDATION_FAILED, pointing at the field.
 */
export function resolveCapacity(
  sessionType: SessionType,
  maxParticipants: number | undefined,
): Result<number> {
  if (sessionType === "ONE_TO_ONE") {
    if (maxParticipants !== undefined && maxParticipants !== 1) {
      return fail("VALIDATION_FAILED", "A ONE_TO_ONE slot has exactly 1 seat.", [
        { path: "maxParticipants", message: "must be 1 (or omitted) for ONE_TO_ONE" },
      ]);
    }
    return ok(1);
  }
  if (maxParticipants === undefined) {
    return fail("VALIDATION_FAILED", "A GROUP slot needs maxParticipants.", [
      { path: "maxParticipants", message: `required for GROUP (${MIN_GROUP_SEATS}..${MAX_GROUP_SEATS})` },
    ]);
  }
  if (
    !Number.isInteger(maxParticipants) ||
    maxParticipants < MIN_GROUP_SEATS ||
    maxParticipants > MAX_GROUP_SEATS
  ) {
    return fail("VALIDATION_FAILED", `A GROUP slot has ${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} seats.`, [
      {
        path: "maxParticipants",
        message: `must be an integer from ${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} for GROUP`,
      },
    ]);
  }
  return ok(maxParticipants);
}

export interface Interval {
  startsAt: number;
  endsAt: number;
}

/** Half-open intervals: touching (one ends as the other starts) is not an overlap. */
export function overlaps(a: Interval, b: Interval): boolean {
  return a.startsAt < b.endsAt && b.startsAt < a.endsAt;
}

/** The status shown to clients: an open slot with no seat left is FULL. */
export function publicSlotStatus(
  stored: StoredSlotStatus,
  seatsTaken: number,
  maxParticipants: number,
): SlotStatus {
  if (stored === "OPEN" && seatsTaken >= maxParticipants) return "FULL";
  return stored;
}
