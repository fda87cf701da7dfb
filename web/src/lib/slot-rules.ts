import type { SessionType, Slot } from "../api/types";
import { formatDateTime, formatRange } from "./format";

/** The server's rules for a slot (API.md "Slots"), checked in the browser so the form can explain them. */
export const BOOKING_WINDOW_DAYS = 28;
export const MIN_DURATION = 15;
export const MAX_DURATION = 480;
export const GROUP_MIN = 2;
export const GROUP_MAX = 20;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

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
  const windowEnd = now + BOOKING_WINDOW_DAYS * DAY_MS;
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
    Number.isInteger(durationMinutes) && durationMinutes >= MIN_DURATION && durationMinutes <= MAX_DURATION;
  const capacityOk =
    sessionType === "ONE_TO_ONE"
      ? true
      : Number.isInteger(maxParticipants) && maxParticipants >= GROUP_MIN && maxParticipants <= GROUP_MAX;
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
      rule: `It lasts ${MIN_DURATION} minutes to ${MAX_DURATION / 60} hours.`,
      ok: durationOk,
      problem: `Choose a length between ${MIN_DURATION} and ${MAX_DURATION} minutes.`,
    },
    {
      id: "capacity",
      rule:
        sessionType === "ONE_TO_ONE"
          ? "One-to-one lessons have exactly one student."
          : `Group lessons have ${GROUP_MIN} to ${GROUP_MAX} seats.`,
      ok: capacityOk,
      problem: `A group needs ${GROUP_MIN} to ${GROUP_MAX} seats.`,
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

/** round(hourlyRate × minutes / 60), as the server prices slots. */
export function priceFor(hourlyRate: number, minutes: number): number {
  return Math.round((hourlyRate * minutes) / 60);
}
