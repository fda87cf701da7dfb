import { fail, ok, type Result } from "./errors";

export type SessionType = "ONE_TO_ONE" | "GROUP";
export type StoredSlotStatus = "OPEN" | "CANCELLED" | "IN_PROGRESS" | "COMPLETED";
export type SlotStatus = StoredSlotStatus | "FULL";

export const BOOKING_WINDOW_DAYS = 28;
export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 60 * MINUTE_MS;
export const WINDOW_MS = BOOKING_WINDOW_DAYS * DAY_MS;
export const MAX_GROUP_SEATS = 20;

/** A slot may start from `now` up to `now + 28 days` inclusive. */
export function checkStartWithinWindow(startsAt: number, now: number): Result<void> {
  if (startsAt < now) return fail("SLOT_IN_PAST", "A slot cannot start in the past.");
  if (startsAt > now + WINDOW_MS) {
    return fail(
      "SLOT_BEYOND_WINDOW",
      `A slot can start at most ${BOOKING_WINDOW_DAYS} days ahead (until ${new Date(now + WINDOW_MS).toISOString()}).`,
    );
  }
  return ok(undefined);
}

/**
 * Seats for a session type: ONE_TO_ONE is always 1 (may be omitted), GROUP needs 2..20.
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
      { path: "maxParticipants", message: `required for GROUP (2..${MAX_GROUP_SEATS})` },
    ]);
  }
  if (!Number.isInteger(maxParticipants) || maxParticipants < 2 || maxParticipants > MAX_GROUP_SEATS) {
    return fail("VALIDATION_FAILED", `A GROUP slot has 2 to ${MAX_GROUP_SEATS} seats.`, [
      { path: "maxParticipants", message: `must be an integer from 2 to ${MAX_GROUP_SEATS} for GROUP` },
    ]);
  }
  return ok(maxParticipants);
}

/** Price per seat in minor units: round(hourlyRate x durationMinutes / 60), halves rounded up. */
export function priceForDuration(hourlyRate: number, durationMinutes: number): number {
  return Math.floor((hourlyRate * durationMinutes + 30) / 60);
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
