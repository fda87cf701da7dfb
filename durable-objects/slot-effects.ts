/**
 * What the slot object does to the world after a decision: a closed union of effects, kept in the
 * object's outbox and run by one exhaustive runner over two ports (Stripe and the D1 records).
 * Every effect is idempotent, because the outbox retries it until it succeeds.
 */
import { PaymentError, type Payments } from "../src/adapters/stripe-payments";
import type { MoveRecord, SlotRecords, WaitlistProjection } from "../src/db/booking-records";
import { hasFailedRefund, type MoneySnapshot, refundRemainder } from "../src/domain/payment-state";
import type { CancelledBy } from "../src/shared/api-types";
import { assertNever } from "../src/shared/assert-never";

/** What an effect needs to know of a hold (slot-state.ts owns the full type). */
export interface HoldRef {
  studentId: string;
  paymentIntentId?: string | null;
}

export type Effect =
  /** The PaymentIntent exists: write its id and client secret next to the pending booking. */
  | {
      kind: "attach_intent";
      bookingId: string;
      intentId: string;
      clientSecret: string;
      amount: number;
      currency: string;
    }
  /** Payment setup failed: the pending booking is removed, so a retry starts afresh. */
  | { kind: "discard"; bookingId: string }
  /** A pending booking ends without a seat; its authorization (if any) is voided. */
  | {
      kind: "release";
      bookingId: string;
      status: "EXPIRED" | "CANCELLED";
      reason?: string;
      cancelledBy?: CancelledBy;
    }
  /** Void an authorization; had it been captured already, refund what is left. */
  | { kind: "cancel_intent"; bookingId: string; intentId: string }
  | { kind: "capture"; bookingId: string; intentId: string }
  | { kind: "confirm"; bookingId: string; studentId: string }
  /** A confirmed (or capturing) seat is given up in D1; the money follows as its own effect. */
  | { kind: "withdraw"; bookingId: string; cancelledBy?: CancelledBy; retained?: number }
  /**
   * Refund what was captured and is not refunded yet (refunds made elsewhere count), except `keep`
   * (the provider's share under the policy, or the new price after a cheaper reschedule).
   */
  | { kind: "refund"; bookingId: string; intentId: string | null; reason: string; keep?: number }
  /** A waitlist entry changed here: its D1 projection follows (`bookingId` is the entry id). */
  | { kind: "waitlist"; bookingId: string; entry: WaitlistProjection }
  /** A reschedule into this slot completed: both bookings change in D1 in one batch. */
  | { kind: "move_in"; bookingId: string; move: MoveRecord }
  /** Re-read the intent and its refunds from Stripe and write them to D1 (payment, refunds, ledger). */
  | { kind: "sync_payment"; bookingId: string; intentId: string }
  | { kind: "payment_failed"; bookingId: string; message: string };

export type EffectKind = Effect["kind"];

/** What the runner needs from the object: fresh reads and the way back into a decision. */
export interface EffectContext {
  slotId: string;
  /** 1 on the first run of this effect, then 2, 3 … (idempotency keys of fresh requests). */
  attempt: number;
  payments: Payments;
  records: SlotRecords;
  hold(bookingId: string): HoldRef | undefined;
  /** Re-decides a capture synchronously, right before the call; applies an "abandon" itself. */
  recheckCapture(bookingId: string): "go" | "abandon" | "skip";
  /** Feeds Stripe's answer back into the object's decision (confirm, refund, release …). */
  observe(bookingId: string, snapshot: MoneySnapshot): void;
  /** How much Lectern owes back on this booking, given what was captured. */
  refundDue(bookingId: string, captured: number): number;
  announceBooked(bookingId: string): void;
  /** Something people must hear about soon happened (a waitlist offer runs out in minutes). */
  notifySoon(): void;
}

export async function runEffect(effect: Effect, ctx: EffectContext): Promise<void> {
  const { records, payments } = ctx;
  switch (effect.kind) {
    case "attach_intent":
      await records.attachIntent({
        ...effect,
        slotId: ctx.slotId,
        studentId: ctx.hold(effect.bookingId)?.studentId ?? null,
      });
      return;
    case "discard":
      await records.discardBooking({ bookingId: effect.bookingId, slotId: ctx.slotId });
      return;
    case "release": {
      await records.releaseBooking({
        bookingId: effect.bookingId,
        slotId: ctx.slotId,
        status: effect.status,
        ...(effect.reason ? { reason: effect.reason } : {}),
        ...(effect.cancelledBy ? { cancelledBy: effect.cancelledBy } : {}),
      });
      const intentId = ctx.hold(effect.bookingId)?.paymentIntentId;
      if (intentId) await voidOrRefund(ctx, effect.bookingId, intentId);
      return;
    }
    case "cancel_intent":
      await voidOrRefund(ctx, effect.bookingId, effect.intentId);
      return;
    case "capture":
      await capture(ctx, effect.bookingId, effect.intentId);
      return;
    case "confirm":
      await records.confirmBooking({
        bookingId: effect.bookingId,
        slotId: ctx.slotId,
        studentId: effect.studentId,
      });
      ctx.announceBooked(effect.bookingId);
      return;
    case "withdraw":
      await records.withdrawBooking({
        bookingId: effect.bookingId,
        slotId: ctx.slotId,
        cancelledBy: effect.cancelledBy ?? "SYSTEM",
        retained: effect.retained ?? 0,
      });
      return;
    case "refund": {
      const intentId = effect.intentId ?? ctx.hold(effect.bookingId)?.paymentIntentId;
      if (!intentId) return;
      await payments.refundRemainder({
        intentId,
        bookingId: effect.bookingId,
        reason: effect.reason,
        attempt: ctx.attempt,
        keep: effect.keep ?? 0,
      });
      await syncPayment(ctx, effect.bookingId, intentId, effect.reason);
      return;
    }
    case "waitlist":
      await records.saveWaitlistEntry({ ...effect.entry, slotId: ctx.slotId });
      if (effect.entry.status === "OFFERED") ctx.notifySoon();
      return;
    case "move_in":
      await records.moveBooking({ ...effect.move, slotId: ctx.slotId });
      ctx.announceBooked(effect.bookingId);
      return;
    case "sync_payment":
      await syncPayment(ctx, effect.bookingId, effect.intentId);
      return;
    case "payment_failed":
      await records.recordPaymentFailure(effect.bookingId, effect.message);
      return;
    default:
      assertNever(effect, "effect");
  }
}

async function syncPayment(
  ctx: EffectContext,
  bookingId: string,
  intentId: string,
  refundReason?: string,
): Promise<MoneySnapshot | null> {
  let snapshot: MoneySnapshot;
  try {
    snapshot = await ctx.payments.snapshot(intentId);
  } catch (error) {
    // Stripe has no such intent (the local stand-in restarted): nothing to record.
    if (error instanceof PaymentError && error.kind === "missing") return null;
    throw error;
  }
  await ctx.records.syncPayment({
    bookingId,
    slotId: ctx.slotId,
    studentId: ctx.hold(bookingId)?.studentId ?? null,
    snapshot,
    refundDue: ctx.refundDue(bookingId, snapshot.captured),
    ...(refundReason ? { refundReason } : {}),
  });
  return snapshot;
}

/**
 * Captures only if the decision still says so right before the call (the D1 write before it
 * opens the input gate, so it is decided again after). A fresh idempotency key per attempt, so
 * a retry after a Stripe 5xx is a new request rather than a replay of the error.
 */
async function capture(ctx: EffectContext, bookingId: string, intentId: string): Promise<void> {
  await ctx.records.markAuthorized(bookingId);
  if (ctx.recheckCapture(bookingId) !== "go") return;
  try {
    const captured = await ctx.payments.capture(intentId, bookingId, ctx.attempt);
    ctx.observe(bookingId, captured);
  } catch (error) {
    if (!(error instanceof PaymentError && error.kind === "unexpected_state")) throw error;
    // Not capturable any more (voided, or captured by an earlier lost answer): Stripe decides.
    ctx.observe(bookingId, await ctx.payments.snapshot(intentId));
  }
}

/**
 * Releases an authorization. If the money was captured meanwhile and the seat is gone, what is
 * left of it goes back (a failed refund is flagged, not retried). Then D1 learns Stripe's state.
 */
async function voidOrRefund(ctx: EffectContext, bookingId: string, intentId: string): Promise<void> {
  try {
    await ctx.payments.cancel(intentId);
  } catch (error) {
    if (!(error instanceof PaymentError)) throw error;
    if (error.kind === "missing") return;
    if (error.kind !== "unexpected_state") throw error;
    const snapshot = await ctx.payments.snapshot(intentId);
    const owed = ctx.refundDue(bookingId, snapshot.captured) > 0;
    if (
      snapshot.status === "succeeded" &&
      owed &&
      refundRemainder(snapshot) > 0 &&
      !hasFailedRefund(snapshot.refunds)
    ) {
      await ctx.payments.refundRemainder({
        intentId,
        bookingId,
        reason: RELEASED_AFTER_CAPTURE,
        attempt: ctx.attempt,
      });
      await syncPayment(ctx, bookingId, intentId, RELEASED_AFTER_CAPTURE);
      return;
    }
  }
  await syncPayment(ctx, bookingId, intentId);
}

const RELEASED_AFTER_CAPTURE = "The seat was released before the payment completed.";
