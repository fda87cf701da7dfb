import { BOOKING_WINDOW_DAYS, MAX_UNPAID_HOLDS, SESSION_EARLY_START_MS } from "../../../src/shared/limits";
import { MINUTE_MS } from "../../../src/shared/time";
import { ApiError } from "../api/http";

/** Plain-language explanations for the API's error codes; the server's sentence is the fallback. */
const EXPLANATIONS: Record<string, string> = {
  NETWORK: "Lectern could not be reached. Check your connection and try again.",
  UNAUTHENTICATED: "You are signed out. Please sign in again.",
  RATE_LIMITED: "Too many attempts in a short time. Wait a minute, then try again.",
  EMAIL_TAKEN: "An account with this email already exists. Sign in instead, or use another email.",
  INVALID_CREDENTIALS: "The email or password is wrong.",
  SLOT_IN_PAST:
    "That start time has already passed. Choose a time later than now (times are in your time zone).",
  SLOT_BEYOND_WINDOW: `Slots can be published at most ${BOOKING_WINDOW_DAYS} days ahead. Choose an earlier date.`,
  SLOT_OVERLAP:
    "This time overlaps another of your slots. Your slots can't overlap: start after the other one ends, or make this one shorter.",
  SLOT_HAS_BOOKINGS:
    "Someone has booked this slot, so it can no longer be changed or deleted. To call the lesson off, cancel its session: everyone who paid is refunded.",
  SLOT_FULL: "Every seat in this slot has just been taken. Please pick another time.",
  ALREADY_BOOKED: "You already hold or have a seat in this slot. You'll find it under My bookings.",
  TOO_MANY_HOLDS: `You already have ${MAX_UNPAID_HOLDS} unpaid bookings: pay for or cancel one first.`,
  SLOT_NOT_BOOKABLE: "This slot can't be booked any more: it was cancelled, has started, or is over.",
  BOOKING_NOT_ACTIVE: "This booking is already cancelled or expired.",
  SLOT_NOT_FULL: "A seat in this slot is free right now, so there's no need to wait: book it directly.",
  ALREADY_WAITLISTED: "You're already on the waiting list for this slot.",
  RESCHEDULE_TOO_LATE:
    "It's too close to the lesson to move it: the tutor's policy allows moving a booking only until a set time before it starts.",
  RESCHEDULE_NOT_ALLOWED:
    "A booking can only be moved to another open time of the same tutor, for the same kind of lesson.",
  RESCHEDULE_PRICE_HIGHER:
    "That time costs more than you paid, so the booking can't be moved there. Pick a time at the same price or cheaper.",
  SESSION_NOT_STARTED: "The instructor hasn't started the session yet. This page updates as soon as they do.",
  SESSION_ALREADY_STARTED: "The session has already started, so this can't be done any more.",
  SESSION_ENDED: "This session is over.",
  SESSION_TOO_EARLY: `A session can be started from ${SESSION_EARLY_START_MS / MINUTE_MS} minutes before its start time. Please come back later.`,
  PAYMENT_PROVIDER_ERROR:
    "The payment service didn't answer. Nothing was charged; please try again in a moment.",
  FORBIDDEN: "You don't have access to this.",
  NOT_FOUND: "This doesn't exist (any more).",
  INTERNAL: "Something went wrong on our side; nothing was changed. Please try again.",
};

/** A sentence a person can act on, for any thrown value. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === "VALIDATION_FAILED") return error.message;
    if (error.code === "FORBIDDEN" || error.code === "NOT_FOUND")
      return error.message || (EXPLANATIONS[error.code] ?? "");
    return EXPLANATIONS[error.code] ?? error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong. Please try again.";
}

export function errorCode(error: unknown): string | undefined {
  return error instanceof ApiError ? error.code : undefined;
}
