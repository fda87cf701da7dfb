/**
 * Pure seat decisions for one slot. The Durable Object loads the holds, asks these functions,
 * and writes back what they return, all inside one synchronous storage transaction: no outside
 * await ever sits between a decision and its write.
 */

/** HELD: awaiting payment. CAPTURING: authorized in time, capture under way (keeps its seat). */
export type HoldStatus = "HELD" | "CAPTURING" | "CONFIRMED" | "EXPIRED" | "CANCELLED" | "RELEASED";

export interface Hold {
  bookingId: string;
  studentId: string;
  status: HoldStatus;
  /** Epoch ms when a HELD seat lapses. */
  expiresAt: number;
  idempotencyKey: string | null;
}

const SEAT_HOLDING: ReadonlySet<HoldStatus> = new Set(["HELD", "CAPTURING", "CONFIRMED"]);

/** A hold occupies a seat while HELD (until it lapses), CAPTURING or CONFIRMED. */
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

export interface HoldRequest {
  bookingId: string;
  studentId: string;
  idempotencyKey: string | null;
  capacity: number;
  holdMs: number;
  now: number;
  /** The slot was cancelled: no new holds, whatever the seats. */
  closed?: boolean;
}

export type HoldDecision =
  | { kind: "new"; hold: Hold }
  | { kind: "replay"; hold: Hold }
  | { kind: "refused"; code: "SLOT_FULL" | "ALREADY_BOOKED" | "SLOT_NOT_BOOKABLE"; message: string };

/**
 * Decides a booking attempt. A repeated idempotency key of the same student replays the first
 * hold; a student holds at most one seat; no more seats than capacity.
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
  if (seatsTaken(holds, now) >= request.capacity) {
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

/**
 * An authorization arrived (amount_capturable_updated). Capture only while the seat is still
 * held; otherwise release the authorization so no money moves without a seat.
 */
export function decideAuthorization(hold: Hold | undefined, now: number): "capture" | "release" | "ignore" {
  if (!hold) return "release";
  if (hold.status === "HELD") return hold.expiresAt > now ? "capture" : "release";
  if (hold.status === "CAPTURING" || hold.status === "CONFIRMED") return "ignore";
  return "release";
}

/**
 * Money was captured (payment_intent.succeeded). Confirm the seat if it is still ours (held and
 * not lapsed, or being captured); if the seat is gone, the money goes back in full.
 */
export function decideSucceeded(hold: Hold | undefined, now: number): "confirm" | "refund" {
  if (hold && (hold.status === "CAPTURING" || hold.status === "CONFIRMED")) return "confirm";
  if (hold && holdsSeat(hold, now)) return "confirm";
  return "refund";
}

/** The intent was cancelled at Stripe: a seat still waiting for payment is released. */
export function decideIntentCanceled(hold: Hold | undefined): HoldStatus | undefined {
  if (hold?.status === "HELD") return "EXPIRED";
  if (hold?.status === "CAPTURING") return "RELEASED";
  return undefined;
}

export type CancelDecision =
  | { kind: "release" }
  | { kind: "refund" }
  | { kind: "refused"; code: "BOOKING_NOT_ACTIVE"; message: string };

/** The student cancels: a pending hold frees its seat at once; a confirmed seat is refunded. */
export function decideStudentCancel(hold: Hold | undefined, now: number): CancelDecision {
  if (hold?.status === "HELD" && hold.expiresAt > now) return { kind: "release" };
  if (hold?.status === "CONFIRMED") return { kind: "refund" };
  if (hold?.status === "CAPTURING") {
    return {
      kind: "refused",
      code: "BOOKING_NOT_ACTIVE",
      message: "Your payment is being completed; cancel it in a moment.",
    };
  }
  return { kind: "refused", code: "BOOKING_NOT_ACTIVE", message: "This booking is no longer active." };
}
