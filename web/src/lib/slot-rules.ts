import {
  BOOKING_WINDOW_DAYS,
  BOOKING_WINDOW_MS,
  MAX_GROUP_SEATS,
  MAX_SLOT_MINUTES,
  MIN_GROUP_SEATS,
  MIN_SLOT_MINUTES,
} from "../../../src/shared/limits";
import { MINUTE_MS } from "../../../src/shared/time";
import type { SessionType, Slot } from "../api/types";
import { formatDateTime, formatRange } from "./format";

/**
 * The server's rules for a slot (API.md "Slots"), checked in the browser so the form can explain
 * them. The numbers come from src/shared/limits.ts, the same module the server checks with.
 */

export type RuleId = "future" | "window" | "overlap" | "capacity" | "duration";

export interface RuleCheck {
  id: RuleId;
  /** The rule, always shown. */
  rule: string;
  /** undefined while the input is incomplete. */
  ok: boolean | undefined;
  /** Why it fails, in words, when it does. */
  problem?: string;
}

export interface SlotDraft {
  startsAt: number | undefined;
  durationMinutes: number;
  sessionType: SessionType;
  maxParticipants: number;
}

/** Checks a draft against the rules; `others` are the provider's slots (the edited one excluded). */
export function checkSlot(draft: SlotDraft, others: Slot[], now: number, zone: string): RuleCheck[] {
  const { startsAt, durationMinutes, sessionType, maxParticipants } = draft;
  const windowEnd = now + BOOKING_WINDOW_MS;
  const endsAt = startsAt === undefined ? undefined : startsAt + durationMinutes * MINUTE_MS;
  const clash =
    startsAt === undefined || endsAt === undefined
      ? undefined
      : others.find(
          (slot) =>
            slot.status !== "CANCELLED" &&
            Date.parse(slot.startsAt) < endsAt &&
            Date.parse(slot.endsAt) > startsAt,
        );
  const durationOk =
    Number.isInteger(durationMinutes) &&
    durationMinutes >= MIN_SLOT_MINUTES &&
    durationMinutes <= MAX_SLOT_MINUTES;
  const capacityOk =
    sessionType === "ONE_TO_ONE"
      ? true
      : Number.isInteger(maxParticipants) &&
        maxParticipants >= MIN_GROUP_SEATS &&
        maxParticipants <= MAX_GROUP_SEATS;
  return [
    {
      id: "future",
      rule: "It starts in the future.",
      ok: startsAt === undefined ? undefined : startsAt > now,
      problem: "This time has already passed.",
    },
    {
      id: "window",
      rule: `It starts within the next ${BOOKING_WINDOW_DAYS} days (before ${formatDateTime(windowEnd, zone)}).`,
      ok: startsAt === undefined ? undefined : startsAt <= windowEnd,
      problem: `Students can book at most ${BOOKING_WINDOW_DAYS} days ahead; choose an earlier date.`,
    },
    {
      id: "overlap",
      rule: "It doesn't overlap another of your slots.",
      ok: startsAt === undefined ? undefined : clash === undefined,
      ...(clash
        ? { problem: `It overlaps your slot ${formatRange(clash.startsAt, clash.endsAt, zone)}.` }
        : {}),
    },
    {
      id: "duration",
      rule: `It lasts ${MIN_SLOT_MINUTES} minutes to ${MAX_SLOT_MINUTES / 60} hours.`,
      ok: durationOk,
      problem: `Choose a length between ${MIN_SLOT_MINUTES} and ${MAX_SLOT_MINUTES} minutes.`,
    },
    {
      id: "capacity",
      rule:
        sessionType === "ONE_TO_ONE"
          ? "One-to-one lessons have exactly one student."
          : `Group lessons have ${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} seats.`,
      ok: capacityOk,
      problem: `A group needs ${MIN_GROUP_SEATS} to ${MAX_GROUP_SEATS} seats.`,
    },
  ];
}

/** Which rule a server error code is about, so the form can point at it. */
export function ruleForCode(code: string | undefined): RuleId | undefined {
  switch (code) {
    case "SLOT_IN_PAST":
      return "future";
    case "SLOT_BEYOND_WINDOW":
      return "window";
    case "SLOT_OVERLAP":
      return "overlap";
    default:
      return undefined;
  }
}
