/**
 * Pure decisions of a reschedule, which moves a confirmed seat between two slot objects all or
 * nothing: the target keeps a seat first (MOVING, tied to the existing payment: no new
 * PaymentIntent), the source then gives its seat up (MOVED), and the target confirms and writes
 * both bookings to D1 in one batch. A move the source never completed is abandoned by the target
 * (the source is asked, and fences it off so it cannot complete later).
 */
import { type CancellationPolicy, rescheduleAllowed } from "../src/shared/cancellation-policy";
import type { Effect } from "./slot-effects";
import { type Hold, holdsSeat, lessonOpen, type SlotFacts, type Step, seatsTaken } from "./slot-state";
import { reservedForOthers, slotOpenForBooking, type WaitEntry } from "./waitlist-state";

/** What the target keeps about an incoming move, to finish it whenever that happens. */
export interface MoveTerms {
  fromBookingId: string;
  fromSlotId: string;
  studentId: string;
  intentId: string;
  /** The target's price (the new booking's amount) and the old booking's. */
  amount: number;
  fromAmount: number;
  currency: string;
}

type Refusal<C extends string> = { kind: "refused"; code: C; message: string };

export type MoveInDecision =
  | { kind: "new"; hold: Hold }
  | { kind: "replay"; hold: Hold }
  | Refusal<"SLOT_FULL" | "ALREADY_BOOKED" | "SLOT_NOT_BOOKABLE">;

/** The target slot keeps a seat for a booking moving in, until `now + deadlineMs` at most. */
export function decideMoveIn(
  holds: readonly Hold[],
  entries: readonly WaitEntry[],
  input: {
    newBookingId: string;
    terms: MoveTerms;
    capacity: number;
    slot: SlotFacts;
    now: number;
    deadlineMs: number;
  },
): MoveInDecision {
  const { terms, now } = input;
  const earlier = holds.find(
    (h) => h.movedFrom === terms.fromBookingId && (h.status === "MOVING" || h.status === "CONFIRMED"),
  );
  if (earlier) return { kind: "replay", hold: earlier };
  if (!slotOpenForBooking(input.slot, now)) {
    return {
      kind: "refused",
      code: "SLOT_NOT_BOOKABLE",
      message: "That slot can no longer be booked (cancelled, started or past).",
    };
  }
  if (holds.some((h) => h.studentId === terms.studentId && holdsSeat(h, now))) {
    return {
      kind: "refused",
      code: "ALREADY_BOOKED",
      message: "You already hold or have a seat in that slot.",
    };
  }
  if (seatsTaken(holds, now) + reservedForOthers(entries, terms.studentId, now) >= input.capacity) {
    return { kind: "refused", code: "SLOT_FULL", message: "Every seat in that slot is taken." };
  }
  return {
    kind: "new",
    hold: {
      bookingId: input.newBookingId,
      studentId: terms.studentId,
      status: "MOVING",
      expiresAt: now + input.deadlineMs,
      idempotencyKey: null,
      paymentIntentId: terms.intentId,
      movedFrom: terms.fromBookingId,
    },
  };
}

export type MoveOutDecision =
  | { kind: "move" }
  | { kind: "already_moved" }
  | Refusal<"BOOKING_NOT_ACTIVE" | "RESCHEDULE_TOO_LATE">;

/**
 * The source slot gives up a confirmed seat to `newBookingId`, with its clock: only before the
 * lesson, with at least the policy's reschedule notice left, and never for a move already
 * abandoned (fenced).
 */
export function decideMoveOut(
  hold: Hold | undefined,
  slot: SlotFacts,
  now: number,
  input: { newBookingId: string; policy: CancellationPolicy; fenced: boolean },
): MoveOutDecision {
  if (hold?.status === "MOVED" && hold.movedTo === input.newBookingId) return { kind: "already_moved" };
  if (input.fenced || hold?.status !== "CONFIRMED") {
    return { kind: "refused", code: "BOOKING_NOT_ACTIVE", message: "This booking is no longer active." };
  }
  if (slot.session !== "SCHEDULED" || now >= slot.startsAt) {
    return {
      kind: "refused",
      code: "RESCHEDULE_TOO_LATE",
      message: "The lesson has already started, so it can no longer be moved.",
    };
  }
  if (!rescheduleAllowed(input.policy, slot.startsAt, now)) {
    return {
      kind: "refused",
      code: "RESCHEDULE_TOO_LATE",
      message: `This tutor's lessons can be moved up to ${input.policy.rescheduleMinNoticeHours} hours before they start.`,
    };
  }
  return { kind: "move" };
}

/** The source's answer when the target asks about a move that has not completed. */
export function decideMoveResolution(hold: Hold | undefined, newBookingId: string): "moved" | "abort" {
  return hold?.status === "MOVED" && hold.movedTo === newBookingId ? "moved" : "abort";
}

/**
 * The source gave its seat up: the target's seat is confirmed, D1 learns both bookings at once,
 * and a cheaper lesson's difference goes back on the same payment.
 */
export function moveCompleteSteps(
  hold: Hold | undefined,
  terms: MoveTerms,
  slot: SlotFacts,
  now: number,
): Step | undefined {
  if (hold?.status !== "MOVING") return undefined;
  const { bookingId } = hold;
  if (!lessonOpen(slot, now) || slot.session === "COMPLETED" || slot.session === "CANCELLED") {
    // The target lesson was cancelled or ended while the seat was moving in: the move still lands
    // (the source gave its seat up), and the student gets everything back.
    return {
      bookingId,
      status: "CANCELLED",
      effects: [
        moveIn(bookingId, terms),
        { kind: "withdraw", bookingId, cancelledBy: "PROVIDER" },
        {
          kind: "refund",
          bookingId,
          intentId: terms.intentId,
          reason: "The lesson you moved to was cancelled before the move completed.",
        },
        { kind: "sync_payment", bookingId, intentId: terms.intentId },
      ],
    };
  }
  const effects: Effect[] = [moveIn(bookingId, terms)];
  if (terms.fromAmount > terms.amount) {
    effects.push({
      kind: "refund",
      bookingId,
      intentId: terms.intentId,
      reason: "Your lesson moved to a cheaper slot; the difference is refunded.",
      keep: terms.amount,
    });
  }
  effects.push({ kind: "sync_payment", bookingId, intentId: terms.intentId });
  return { bookingId, status: "CONFIRMED", effects };
}

function moveIn(bookingId: string, terms: MoveTerms): Effect {
  return {
    kind: "move_in",
    bookingId,
    move: {
      newBookingId: bookingId,
      fromBookingId: terms.fromBookingId,
      fromSlotId: terms.fromSlotId,
      studentId: terms.studentId,
      intentId: terms.intentId,
      amount: terms.amount,
      currency: terms.currency,
    },
  };
}
