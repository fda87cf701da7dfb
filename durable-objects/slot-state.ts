/**
 * Pure seat and money decisions for one slot. The Durable Object loads the holds and the slot's
 * facts, asks these functions with the clock passed in, and writes back what they return (new
 * hold statuses and effects to run) inside one synchronous storage transaction: no outside await
 * ever sits between a decision and its write.
 */
import {
  hasFailedRefund,
  type MoneySnapshot,
  refundedAmount,
  refundRemainder,
} from "../src/domain/payment-state";
import type { Effect } from "./slot-effects";

/**
 * HELD: awaiting payment. CAPTURING: authorized in time, capture under way (keeps its seat).
 * MOVING: a confirmed booking of another slot is being rescheduled into this seat (kept until the
 * move completes or is abandoned). MOVED: this confirmed seat was rescheduled to another slot;
 * its payment went with it.
 */
export type HoldStatus =
  | "HELD"
  | "CAPTURING"
  | "CONFIRMED"
  | "EXPIRED"
  | "CANCELLED"
  | "RELEASED"
  | "MOVING"
  | "MOVED";

export interface Hold {
  bookingId: string;
  studentId: string;
  status: HoldStatus;
  /** Epoch ms when a HELD seat lapses. */
  expiresAt: number;
  idempotencyKey: string | null;
  paymentIntentId?: string | null;
  /** What the provider keeps of the captured money once this seat is cancelled (policy share). */
  keep?: number | null;
  /** A reschedule: the booking this seat came from, or went to. */
  movedFrom?: string | null;
  movedTo?: string | null;
}

export type SessionState = "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";

/** What the object knows about its slot and lesson. Times are epoch ms. */
export interface SlotFacts {
  startsAt: number;
  endsAt: number;
  session: SessionState;
}

import {
  type CancellationPolicy,
  DEFAULT_CANCELLATION_POLICY,
  refundForCancel,
} from "../src/shared/cancellation-policy";
import { MAX_UNPAID_HOLDS } from "../src/shared/limits";

export { MAX_UNPAID_HOLDS };

const SEAT_HOLDING: ReadonlySet<HoldStatus> = new Set(["HELD", "CAPTURING", "CONFIRMED", "MOVING"]);

/** A hold occupies a seat while HELD (until it lapses), CAPTURING, CONFIRMED or MOVING in. */
export function holdsSeat(hold: Hold, now: number): boolean {
  if (hold.status === "HELD") return hold.expiresAt > now;
  return SEAT_HOLDING.has(hold.status);
}

export function seatsTaken(holds: readonly Hold[], now: number): number {
  return holds.filter((hold) => holdsSeat(hold, now)).length;
}

/** HELD holds whose time is up: they become EXPIRED. */
export function dueForExpiry(holds: readonly Hold[], now: number): Hold[] {
  return holds.filter((hold) => hold.status === "HELD" && hold.expiresAt <= now);
}

/**
 * The lesson can still take money: not cancelled, not ended, and the slot's end not passed.
 * Money is captured only for a seat that exists in a lesson that has not ended.
 */
export function lessonOpen(slot: SlotFacts, now: number): boolean {
  return slot.session !== "COMPLETED" && slot.session !== "CANCELLED" && now < slot.endsAt;
}

export interface HoldRequest {
  bookingId: string;
  studentId: string;
  idempotencyKey: string | null;
  capacity: number;
  holdMs: number;
  now: number;
  /** The slot was cancelled: no new holds, whatever the seats. */
  closed?: boolean;
  /** Seats kept for other students by waitlist offers. */
  reserved?: number;
}

export type HoldDecision =
  | { kind: "new"; hold: Hold }
  | { kind: "replay"; hold: Hold }
  | { kind: "refused"; code: "SLOT_FULL" | "ALREADY_BOOKED" | "SLOT_NOT_BOOKABLE"; message: string };

/**
 * Decides a booking attempt. A repeated idempotency key of the same student replays the first
 * hold; a student holds at most one seat; no more seats than capacity. (The cap on unpaid holds
 * across slots is enforced where all slots are visible: the D1 insert.)
 */
export function decideHold(holds: readonly Hold[], request: HoldRequest): HoldDecision {
  const { now } = request;
  if (request.idempotencyKey) {
    const earlier = holds.find(
      (hold) => hold.studentId === request.studentId && hold.idempotencyKey === request.idempotencyKey,
    );
    if (earlier) return { kind: "replay", hold: earlier };
  }
  if (request.closed) {
    return {
      kind: "refused",
      code: "SLOT_NOT_BOOKABLE",
      message: "This slot was cancelled and takes no more bookings.",
    };
  }
  if (holds.some((hold) => hold.studentId === request.studentId && holdsSeat(hold, now))) {
    return {
      kind: "refused",
      code: "ALREADY_BOOKED",
      message: "You already hold or have a seat in this slot.",
    };
  }
  if (seatsTaken(holds, now) + (request.reserved ?? 0) >= request.capacity) {
    return { kind: "refused", code: "SLOT_FULL", message: "Every seat in this slot is taken." };
  }
  return {
    kind: "new",
    hold: {
      bookingId: request.bookingId,
      studentId: request.studentId,
      status: "HELD",
      expiresAt: now + request.holdMs,
      idempotencyKey: request.idempotencyKey,
    },
  };
}

/** A hold's next status (if it changes) and the effects that follow. */
export interface Step {
  bookingId: string;
  status?: HoldStatus;
  effects: Effect[];
}

const step = (bookingId: string, status: HoldStatus | undefined, ...effects: Effect[]): Step =>
  status ? { bookingId, status, effects } : { bookingId, effects };

/** For a hold whose time ran out before the authorization was heard of. */
export interface LateAuthorization {
  /** When Stripe authorized the payment (epoch ms), if it did. */
  authorizedAt: number | null;
  /** A seat is free without this hold (nobody took it since it lapsed). */
  seatFree: boolean;
}

const NOT_LATE: LateAuthorization = { authorizedAt: null, seatFree: false };

/**
 * An authorization arrived. Capture only while the seat is held and the lesson is open;
 * otherwise release the authorization so no money moves without a seat and a lesson.
 */
export function decideAuthorization(
  hold: Hold | undefined,
  slot: SlotFacts,
  now: number,
  late: LateAuthorization = NOT_LATE,
): "capture" | "release" | "ignore" {
  if (!hold) return "release";
  if (hold.status === "HELD") {
    if (!lessonOpen(slot, now)) return "release";
    if (hold.expiresAt > now) return "capture";
    // Lapsed but not yet expired here: the student authorized in time and only the news was
    // late. Captured if no one else has taken the seat since.
    const inTime = late.authorizedAt !== null && late.authorizedAt <= hold.expiresAt;
    return inTime && late.seatFree ? "capture" : "release";
  }
  if (hold.status === "CAPTURING" || hold.status === "CONFIRMED") return "ignore";
  return "release";
}

/**
 * Right before the irreversible capture call, decided again on fresh state: "go" while the hold
 * is CAPTURING in an open lesson; "abandon" a CAPTURING hold whose lesson ended or was cancelled
 * (the seat goes and the authorization is released); "skip" anything else (already decided).
 */
export function decideCapture(
  hold: Hold | undefined,
  slot: SlotFacts,
  now: number,
): "go" | "abandon" | "skip" {
  if (hold?.status !== "CAPTURING") return "skip";
  return lessonOpen(slot, now) ? "go" : "abandon";
}

/**
 * Money was captured. Confirm the seat if it is still ours (being captured, or a held seat in an
 * open lesson); if the seat is gone, everything captured goes back.
 */
export function decideSucceeded(
  hold: Hold | undefined,
  slot: SlotFacts,
  now: number,
): "confirm" | "keep" | "refund" {
  if (hold?.status === "CONFIRMED") return "keep";
  if (hold?.status === "CAPTURING") return "confirm";
  if (hold && holdsSeat(hold, now) && lessonOpen(slot, now)) return "confirm";
  return "refund";
}

/** The intent was cancelled at Stripe: a seat still waiting for payment is released. */
export function decideIntentCanceled(hold: Hold | undefined): HoldStatus | undefined {
  if (hold?.status === "HELD") return "EXPIRED";
  if (hold?.status === "CAPTURING") return "RELEASED";
  return undefined;
}

/**
 * Everything that follows from Stripe's view of one intent (a webhook hint re-read from Stripe,
 * a capture's answer, or the reconciliation job). Idempotent: deciding twice on the same
 * snapshot changes nothing the second time.
 */
export function decideFromStripe(
  hold: Hold | undefined,
  slot: SlotFacts,
  snapshot: MoneySnapshot,
  now: number,
  seatFree = false,
): Step | undefined {
  // A moved seat's payment belongs to the booking it moved to (that slot's object decides).
  if (!hold || hold.status === "MOVED") return undefined;
  const { bookingId } = hold;
  const intentId = snapshot.intentId;
  const sync: Effect = { kind: "sync_payment", bookingId, intentId };
  switch (snapshot.status) {
    case "requires_capture": {
      const late = { authorizedAt: snapshot.authorizedAt ?? null, seatFree };
      const action = decideAuthorization(hold, slot, now, late);
      if (action === "capture")
        return step(bookingId, "CAPTURING", { kind: "capture", bookingId, intentId }, sync);
      if (action === "release") {
        // A HELD seat goes with its authorization (release voids the intent too).
        if (hold.status === "HELD") {
          const reason = releaseReason(hold, slot, now);
          const release: Effect = {
            kind: "release",
            bookingId,
            status: "EXPIRED",
            ...(reason ? { reason } : {}),
          };
          return step(bookingId, "EXPIRED", release, sync);
        }
        return step(bookingId, undefined, { kind: "cancel_intent", bookingId, intentId }, sync);
      }
      return step(bookingId, undefined, sync);
    }
    case "succeeded": {
      const action = decideSucceeded(hold, slot, now);
      // Everything was given back already (e.g. in the Stripe dashboard): the seat goes too.
      const allBack = snapshot.captured > 0 && refundedAmount(snapshot.refunds) >= snapshot.captured;
      if (allBack && action !== "refund") {
        const seatGoes: Effect =
          hold.status === "CONFIRMED"
            ? { kind: "withdraw", bookingId }
            : { kind: "release", bookingId, status: "CANCELLED" };
        return step(bookingId, "CANCELLED", seatGoes, sync);
      }
      if (action === "confirm") {
        return step(bookingId, "CONFIRMED", { kind: "confirm", bookingId, studentId: hold.studentId }, sync);
      }
      if (action === "keep") return step(bookingId, undefined, sync);
      // Captured without a seat. A failed refund is not retried by itself: it is flagged and told.
      // D1 must not keep an active booking for it either (both writes are conditional no-ops if done).
      const effects: Effect[] = [
        hold.status === "HELD"
          ? { kind: "release", bookingId, status: "EXPIRED" }
          : { kind: "withdraw", bookingId },
      ];
      const keep = hold.keep ?? 0;
      if (refundRemainder(snapshot) > keep && !hasFailedRefund(snapshot.refunds)) {
        effects.push({
          kind: "refund",
          bookingId,
          intentId,
          reason: hold.keep ? "You cancelled the booking." : "Captured after the seat was released.",
          ...(keep > 0 ? { keep } : {}),
        });
      }
      return step(bookingId, hold.status === "HELD" ? "EXPIRED" : undefined, ...effects, sync);
    }
    case "canceled": {
      const next = decideIntentCanceled(hold);
      if (next) return step(bookingId, next, { kind: "release", bookingId, status: "EXPIRED" }, sync);
      return step(bookingId, undefined, sync);
    }
    default: {
      const effects: Effect[] = [];
      if (snapshot.lastPaymentError && hold.status === "HELD") {
        effects.push({ kind: "payment_failed", bookingId, message: snapshot.lastPaymentError });
      }
      return step(bookingId, undefined, ...effects, sync);
    }
  }
}

function releaseReason(hold: Hold, slot: SlotFacts, now: number): string | undefined {
  if (hold.status === "HELD" && hold.expiresAt <= now) return undefined;
  if (slot.session === "CANCELLED")
    return "The lesson was cancelled before the payment arrived; nothing was charged.";
  if (!lessonOpen(slot, now)) return "The lesson had ended before the payment arrived; nothing was charged.";
  return undefined;
}

export type CancelDecision =
  | { kind: "release" }
  | { kind: "refund"; refundAmount: number; refundPercent: number; keep: number }
  | { kind: "refused"; code: "BOOKING_NOT_ACTIVE" | "SESSION_ALREADY_STARTED"; message: string };

/** The booking's own terms: its price and the policy in force when it was made. */
export interface BookingTerms {
  amount: number;
  policy: CancellationPolicy;
}

const FULL_REFUND_TERMS: BookingTerms = { amount: 0, policy: DEFAULT_CANCELLATION_POLICY };

/**
 * The student cancels, decided inside the slot's object with its clock: once the slot's start
 * has passed or the provider pressed start, nothing can be cancelled; before that a pending
 * hold frees its seat at once and a confirmed seat is refunded by the booking's policy tier for
 * the notice left: floor(amount × percent / 100), the provider keeping the rest.
 */
export function decideStudentCancel(
  hold: Hold | undefined,
  slot: SlotFacts,
  now: number,
  terms: BookingTerms = FULL_REFUND_TERMS,
): CancelDecision {
  const active = hold && holdsSeat(hold, now);
  if (!hold || !active || slot.session === "CANCELLED") {
    return { kind: "refused", code: "BOOKING_NOT_ACTIVE", message: "This booking is no longer active." };
  }
  if (slot.session === "IN_PROGRESS" || slot.session === "COMPLETED" || now >= slot.startsAt) {
    return {
      kind: "refused",
      code: "SESSION_ALREADY_STARTED",
      message: "The lesson has already started, so this booking can no longer be cancelled.",
    };
  }
  if (hold.status === "HELD") return { kind: "release" };
  if (hold.status === "CONFIRMED") {
    const { refundAmount, refundPercent } = refundForCancel(terms.policy, terms.amount, slot.startsAt, now);
    return { kind: "refund", refundAmount, refundPercent, keep: Math.max(0, terms.amount - refundAmount) };
  }
  return {
    kind: "refused",
    code: "BOOKING_NOT_ACTIVE",
    message: "Your payment is being completed; cancel it in a moment.",
  };
}

/** The steps of a student's cancel that `decideStudentCancel` allowed. */
export function studentCancelSteps(hold: Hold, decision: Exclude<CancelDecision, { kind: "refused" }>): Step {
  const { bookingId } = hold;
  if (decision.kind === "release")
    return step(bookingId, "CANCELLED", {
      kind: "release",
      bookingId,
      status: "CANCELLED",
      cancelledBy: "STUDENT",
    });
  const { keep } = decision;
  return step(
    bookingId,
    "CANCELLED",
    { kind: "withdraw", bookingId, cancelledBy: "STUDENT", retained: keep },
    {
      kind: "refund",
      bookingId,
      intentId: hold.paymentIntentId ?? null,
      reason: "You cancelled the booking.",
      ...(keep > 0 ? { keep } : {}),
    },
  );
}

/**
 * The instructor cancels the lesson: every booking, whatever its state, ends. Unpaid holds are
 * released; an authorization being captured is voided (refunded if the capture landed already);
 * confirmed seats are refunded in full. Holds already ended need nothing.
 */
// A seat MOVING in is left alone here: only its source knows whether the move happened, so the
// object asks it (move-state.ts); a move completing into a closed lesson is refunded in full.
export function decideInstructorCancel(
  holds: readonly Hold[],
  cancelledBy: "PROVIDER" | "PROVIDER_NO_SHOW" = "PROVIDER",
): Step[] {
  const reason =
    cancelledBy === "PROVIDER"
      ? "The instructor cancelled the lesson."
      : "The instructor did not show up for the lesson.";
  const steps: Step[] = [];
  for (const hold of holds) {
    const { bookingId } = hold;
    const intentId = hold.paymentIntentId ?? null;
    if (hold.status === "HELD") {
      steps.push(
        step(bookingId, "CANCELLED", { kind: "release", bookingId, status: "CANCELLED", cancelledBy }),
      );
    } else if (hold.status === "CAPTURING") {
      const effects: Effect[] = [{ kind: "withdraw", bookingId, cancelledBy }];
      if (intentId) effects.push({ kind: "cancel_intent", bookingId, intentId });
      steps.push(step(bookingId, "CANCELLED", ...effects));
    } else if (hold.status === "CONFIRMED") {
      steps.push(
        step(
          bookingId,
          "CANCELLED",
          { kind: "withdraw", bookingId, cancelledBy },
          { kind: "refund", bookingId, intentId, reason },
        ),
      );
    }
  }
  return steps;
}

/**
 * The lesson ended: seats still waiting for payment are released (never charged). Confirmed
 * seats stay: the lesson happened.
 */
export function decideSessionEnd(holds: readonly Hold[]): Step[] {
  const reason = "The lesson ended before the payment completed; nothing was charged.";
  const steps: Step[] = [];
  for (const hold of holds) {
    const { bookingId } = hold;
    if (hold.status === "HELD") {
      steps.push(step(bookingId, "EXPIRED", { kind: "release", bookingId, status: "EXPIRED", reason }));
    } else if (hold.status === "CAPTURING") {
      steps.push(step(bookingId, "RELEASED", { kind: "release", bookingId, status: "EXPIRED", reason }));
    }
  }
  return steps;
}

/**
 * How much of the captured money Lectern owes back: nothing while the seat is kept, everything
 * once it is gone (cancelled, expired or released).
 */
export function refundDue(hold: Hold | undefined, captured: number): number {
  if (hold && (SEAT_HOLDING.has(hold.status) || hold.status === "MOVED")) return 0;
  return Math.max(0, captured - (hold?.keep ?? 0));
}

/** Is a student allowed another unpaid hold, given how many unexpired ones they have? */
export function holdCapReached(unpaidHolds: number): boolean {
  return unpaidHolds >= MAX_UNPAID_HOLDS;
}
