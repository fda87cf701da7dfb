import { type SQL, sql } from "drizzle-orm";
import { newId } from "../domain/ids";
import {
  type MoneySnapshot,
  newestRefund,
  paymentStatusOf,
  pendingRefundAmount,
  refundedAmount,
} from "../domain/payment-state";
import type { CancelledBy, WaitlistStatus } from "../shared/api-types";
import { runBatch, statement } from "./statements";
import { bookingEvent, refundEvent, rescheduleEvent } from "./webhook-outbox";

/**
 * D1 writes of the booking lifecycle, used by the slot object. Each is one atomic batch,
 * conditional on the booking's current status so a repeated or late call never moves a booking
 * backwards, and each ends by recounting the slot's seats from the bookings themselves.
 * Money is written only by `syncPayment`, from Stripe's own state, and the ledger is append-only.
 */
export interface SlotRecords {
  /** Writes the PENDING_PAYMENT booking; see {@link PendingInsert} for why it may not. */
  insertPendingBooking(input: PendingBookingInput): Promise<PendingInsert>;
  attachIntent(input: {
    bookingId: string;
    slotId: string;
    studentId: string | null;
    intentId: string;
    clientSecret: string;
    amount: number;
    currency: string;
  }): Promise<void>;
  /** Payment setup failed before any intent existed: the pending booking leaves no trace. */
  discardBooking(input: { bookingId: string; slotId: string }): Promise<void>;
  releaseBooking(input: {
    bookingId: string;
    slotId: string;
    status: "EXPIRED" | "CANCELLED";
    reason?: string;
    cancelledBy?: CancelledBy;
  }): Promise<void>;
  markAuthorized(bookingId: string): Promise<void>;
  confirmBooking(input: { bookingId: string; slotId: string; studentId: string }): Promise<void>;
  /** A confirmed seat is given up: who ended it and what of the money the provider keeps. */
  withdrawBooking(input: {
    bookingId: string;
    slotId: string;
    cancelledBy: CancelledBy;
    retained: number;
  }): Promise<void>;
  /** Writes a waitlist entry as the slot object decided it (a newer decision wins). */
  saveWaitlistEntry(entry: WaitlistProjection & { slotId: string }): Promise<void>;
  /**
   * A reschedule completed: the new CONFIRMED booking on `slotId` (the target), the old one
   * CANCELLED, the session seat and the payment moved, both slots recounted. One batch; repeatable.
   */
  moveBooking(move: MoveRecord & { slotId: string }): Promise<void>;
  syncPayment(input: {
    bookingId: string;
    slotId: string;
    studentId: string | null;
    snapshot: MoneySnapshot;
    refundDue: number;
    /** Why Lectern refunded, when it did (kept with the payment for support and emails). */
    refundReason?: string;
  }): Promise<void>;
  recordPaymentFailure(bookingId: string, message: string): Promise<void>;
  /** The pending booking's payment details, for an idempotent replay. */
  findReplay(bookingId: string): Promise<ReplayRow | null>;
}

export interface WaitlistProjection {
  id: string;
  studentId: string;
  status: WaitlistStatus;
  seq: number;
  offeredAt: number | null;
  offerExpiresAt: number | null;
  createdAt: number;
  /** The object's decision time: an older write never overwrites a newer one. */
  updatedAt: number;
}

export interface MoveRecord {
  newBookingId: string;
  fromBookingId: string;
  fromSlotId: string;
  studentId: string;
  intentId: string;
  amount: number;
  currency: string;
}

export interface PendingBookingInput {
  bookingId: string;
  slotId: string;
  studentId: string;
  slotVersion: number;
  holdExpiresAt: number;
  idempotencyKey: string | null;
  maxUnpaidHolds: number;
}

/**
 * Written (with the cancellation policy it snapshotted, JSON or null for the default), or why not:
 * the slot changed/closed, or the student already holds too many unpaid seats.
 */
export type PendingInsert =
  | { ok: true; policy: string | null }
  | { ok: false; reason: "slot_changed" | "too_many_holds" };

export interface ReplayRow {
  id: string;
  hold_expires_at: number;
  payment_intent_id: string | null;
  client_secret: string | null;
}

/** Seats: active bookings plus seats kept for a waitlisted student by an open offer. */
const recountSeats = (slotId: string) => sql`
  UPDATE slots SET seats_taken = (
    SELECT COUNT(*) FROM bookings WHERE slot_id = ${slotId} AND status IN ('PENDING_PAYMENT', 'CONFIRMED'))
    + (SELECT COUNT(*) FROM waitlist_entries WHERE slot_id = ${slotId} AND status = 'OFFERED')
   WHERE id = ${slotId}`;

const unpaidHolds = (studentId: string, now: number) => sql`
  (SELECT COUNT(*) FROM bookings
    WHERE student_id = ${studentId} AND status = 'PENDING_PAYMENT' AND hold_expires_at > ${now})`;

export function createSlotRecords(d1: D1Database, clock: () => number): SlotRecords {
  return {
    async insertPendingBooking(input) {
      const now = clock();
      const [, inserted] = await runBatch(d1, [
        // The slot object just gave this student a new hold, so any pending row of theirs here has
        // lapsed; its release may not have run yet and would trip the one-active-booking index.
        sql`UPDATE bookings SET status = 'EXPIRED', updated_at = ${now}
             WHERE slot_id = ${input.slotId} AND student_id = ${input.studentId} AND status = 'PENDING_PAYMENT'`,
        // One statement, so the cap across slots holds under any concurrency (D1 runs writes in turn).
        // The provider's cancellation policy in force now is kept with the booking.
        sql`INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at,
                                  idempotency_key, cancellation_policy, created_at, updated_at)
            SELECT ${input.bookingId}, id, ${input.studentId}, 'PENDING_PAYMENT', price_amount, currency,
                   ${input.holdExpiresAt}, ${input.idempotencyKey},
                   (SELECT cancellation_policy FROM provider_profiles WHERE user_id = slots.provider_id),
                   ${now}, ${now}
              FROM slots
             WHERE id = ${input.slotId} AND version = ${input.slotVersion} AND status = 'OPEN'
               AND starts_at > ${now} AND ${unpaidHolds(input.studentId, now)} < ${input.maxUnpaidHolds}
            RETURNING cancellation_policy`,
        recountSeats(input.slotId),
      ]);
      const row = inserted?.results[0] as { cancellation_policy: string | null } | undefined;
      if (row) return { ok: true, policy: row.cancellation_policy };
      const count = await statement(d1, sql`SELECT ${unpaidHolds(input.studentId, now)} AS n`).first<{
        n: number;
      }>();
      return {
        ok: false,
        reason: (count?.n ?? 0) >= input.maxUnpaidHolds ? "too_many_holds" : "slot_changed",
      };
    },

    async attachIntent(input) {
      const now = clock();
      await runBatch(d1, [
        sql`UPDATE bookings SET payment_intent_id = ${input.intentId}, updated_at = ${now}
             WHERE id = ${input.bookingId} AND payment_intent_id IS NULL`,
        sql`INSERT INTO payments (id, booking_id, slot_id, student_id, payment_intent_id, client_secret, amount,
                                  currency, status, refunded_amount, created_at, updated_at)
            VALUES (${newId("pay")}, ${input.bookingId}, ${input.slotId}, ${input.studentId}, ${input.intentId},
                    ${input.clientSecret}, ${input.amount}, ${input.currency}, 'REQUIRES_PAYMENT', 0, ${now}, ${now})
            ON CONFLICT(booking_id) DO NOTHING`,
      ]);
    },

    async discardBooking({ bookingId, slotId }) {
      await runBatch(d1, [
        sql`DELETE FROM bookings WHERE id = ${bookingId} AND payment_intent_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM payments WHERE booking_id = ${bookingId})`,
        recountSeats(slotId),
      ]);
    },

    async releaseBooking(input) {
      const now = clock();
      await runBatch(d1, [
        sql`UPDATE bookings SET status = ${input.status}, updated_at = ${now},
                   last_payment_error = COALESCE(${input.reason ?? null}, last_payment_error),
                   cancelled_by = ${input.status === "CANCELLED" ? (input.cancelledBy ?? "SYSTEM") : null},
                   cancelled_at = ${input.status === "CANCELLED" ? now : null}
             WHERE id = ${input.bookingId} AND status = 'PENDING_PAYMENT'`,
        recountSeats(input.slotId),
      ]);
    },

    async markAuthorized(bookingId) {
      const now = clock();
      await runBatch(d1, [
        sql`UPDATE payments SET status = 'AUTHORIZED', updated_at = ${now}
             WHERE booking_id = ${bookingId} AND status = 'REQUIRES_PAYMENT'`,
        sql`UPDATE bookings SET last_payment_error = NULL, updated_at = ${now}
             WHERE id = ${bookingId} AND status = 'PENDING_PAYMENT'`,
      ]);
    },

    async confirmBooking({ bookingId, slotId, studentId }) {
      const now = clock();
      const sessionId = sql`(SELECT id FROM teaching_sessions WHERE slot_id = ${slotId})`;
      await runBatch(d1, [
        sql`INSERT INTO teaching_sessions (id, slot_id, provider_id, status, channel_name, created_at)
            SELECT ${newId("ses")}, id, provider_id, 'SCHEDULED', ${`lectern-${slotId}`}, ${now} FROM slots WHERE id = ${slotId}
            ON CONFLICT(slot_id) DO NOTHING`,
        sql`UPDATE bookings SET status = 'CONFIRMED', session_id = ${sessionId}, last_payment_error = NULL,
                   updated_at = ${now}
             WHERE id = ${bookingId} AND status = 'PENDING_PAYMENT'`,
        sql`INSERT INTO session_participants (session_id, user_id, booking_id, status, joined_at)
            SELECT ${sessionId}, ${studentId}, ${bookingId}, 'CONFIRMED', ${now}
             WHERE EXISTS (SELECT 1 FROM bookings WHERE id = ${bookingId} AND status = 'CONFIRMED')
            ON CONFLICT(session_id, user_id) DO UPDATE SET status = 'CONFIRMED', booking_id = excluded.booking_id`,
        // A confirmed 1-to-1 booking opens the chat between the student and the provider (once per pair).
        sql`INSERT INTO conversations (id, student_id, provider_id, created_at)
            SELECT ${newId("cnv")}, ${studentId}, provider_id, ${now} FROM slots
             WHERE id = ${slotId} AND session_type = 'ONE_TO_ONE'
               AND EXISTS (SELECT 1 FROM bookings WHERE id = ${bookingId} AND status = 'CONFIRMED')
            ON CONFLICT(student_id, provider_id) DO NOTHING`,
        recountSeats(slotId),
        bookingEvent("booking.confirmed", bookingId, now),
      ]);
    },

    async withdrawBooking({ bookingId, slotId, cancelledBy, retained }) {
      const now = clock();
      await runBatch(d1, [
        sql`UPDATE bookings SET status = 'CANCELLED', updated_at = ${now}, cancelled_by = ${cancelledBy},
                   cancelled_at = ${now}, retained_amount = ${retained}
             WHERE id = ${bookingId} AND status IN ('PENDING_PAYMENT', 'CONFIRMED')`,
        sql`UPDATE session_participants SET status = 'CANCELLED' WHERE booking_id = ${bookingId}`,
        // Captured money is now owed back; the refund effect and Stripe's answer follow.
        sql`UPDATE payments SET status = 'REFUND_PENDING', updated_at = ${now}
             WHERE booking_id = ${bookingId} AND status IN ('SUCCEEDED', 'PARTIALLY_REFUNDED')`,
        recountSeats(slotId),
        bookingEvent("booking.cancelled", bookingId, now),
      ]);
    },

    async syncPayment({ bookingId, slotId, studentId, snapshot, refundDue, refundReason }) {
      const now = clock();
      const status = paymentStatusOf(snapshot, refundDue);
      const newest = newestRefund(snapshot.refunds);
      const statements: SQL[] = [
        sql`UPDATE payments SET status = ${status}, amount_captured = ${snapshot.captured},
                   refunded_amount = ${refundedAmount(snapshot.refunds)},
                   refund_pending_amount = ${pendingRefundAmount(snapshot.refunds)},
                   charge_id = COALESCE(${snapshot.chargeId}, charge_id),
                   refund_id = COALESCE(${newest?.id ?? null}, refund_id),
                   slot_id = COALESCE(slot_id, ${slotId}), student_id = COALESCE(student_id, ${studentId}),
                   refund_reason = COALESCE(refund_reason, ${refundReason ?? null}),
                   updated_at = ${now}
             WHERE payment_intent_id = ${snapshot.intentId}`,
      ];
      for (const refund of snapshot.refunds) {
        statements.push(sql`
          INSERT INTO refunds (id, payment_intent_id, booking_id, amount, currency, status, failure_reason,
                               created_at, updated_at)
          VALUES (${refund.id}, ${snapshot.intentId}, ${bookingId}, ${refund.amount}, ${snapshot.currency},
                  ${refund.status}, ${refund.failureReason ?? null}, ${refund.created * 1000}, ${now})
          ON CONFLICT(id) DO UPDATE SET status = excluded.status, failure_reason = excluded.failure_reason,
                 updated_at = excluded.updated_at
           WHERE refunds.status != excluded.status`);
      }
      const fact = (kind: string, objectId: string, amount: number) => sql`
        INSERT INTO money_ledger (id, kind, booking_id, slot_id, payment_intent_id, stripe_object_id, amount,
                                  currency, created_at)
        VALUES (${newId("led")}, ${kind}, ${bookingId}, ${slotId}, ${snapshot.intentId}, ${objectId}, ${amount},
                ${snapshot.currency}, ${now})
        ON CONFLICT(kind, stripe_object_id) DO NOTHING`;
      const authorized = snapshot.status === "requires_capture" || snapshot.captured > 0;
      if (authorized) statements.push(fact("authorized", snapshot.intentId, snapshot.amount));
      if (snapshot.status === "canceled") {
        // Only an authorization we saw can be released.
        statements.push(sql`
          INSERT INTO money_ledger (id, kind, booking_id, slot_id, payment_intent_id, stripe_object_id, amount,
                                    currency, created_at)
          SELECT ${newId("led")}, 'authorization_released', booking_id, slot_id, payment_intent_id,
                 payment_intent_id, amount, currency, ${now}
            FROM money_ledger WHERE kind = 'authorized' AND stripe_object_id = ${snapshot.intentId}
          ON CONFLICT(kind, stripe_object_id) DO NOTHING`);
      }
      if (snapshot.captured > 0) statements.push(fact("captured", snapshot.intentId, snapshot.captured));
      for (const refund of snapshot.refunds) {
        statements.push(fact("refund_created", refund.id, refund.amount));
        if (refund.status === "succeeded") {
          statements.push(fact("refund_succeeded", refund.id, refund.amount));
          const told = { ...refund, currency: snapshot.currency, paymentIntentId: snapshot.intentId };
          statements.push(refundEvent(told, bookingId, slotId, now));
        }
        if (refund.status === "failed") statements.push(fact("refund_failed", refund.id, refund.amount));
      }
      await runBatch(d1, statements);
    },

    async saveWaitlistEntry(entry) {
      await runBatch(d1, [
        sql`INSERT INTO waitlist_entries (id, slot_id, student_id, status, seq, offered_at, offer_expires_at,
                                          created_at, updated_at)
            VALUES (${entry.id}, ${entry.slotId}, ${entry.studentId}, ${entry.status}, ${entry.seq},
                    ${entry.offeredAt}, ${entry.offerExpiresAt}, ${entry.createdAt}, ${entry.updatedAt})
            ON CONFLICT(id) DO UPDATE SET status = excluded.status, offered_at = excluded.offered_at,
                   offer_expires_at = excluded.offer_expires_at, updated_at = excluded.updated_at
             WHERE excluded.updated_at >= waitlist_entries.updated_at`,
        recountSeats(entry.slotId),
      ]);
    },

    async moveBooking(move) {
      const now = clock();
      const { newBookingId, fromBookingId, slotId } = move;
      const sessionId = sql`(SELECT id FROM teaching_sessions WHERE slot_id = ${slotId})`;
      const oldConfirmed = sql`EXISTS (SELECT 1 FROM bookings WHERE id = ${fromBookingId} AND status = 'CONFIRMED')`;
      await runBatch(d1, [
        sql`INSERT INTO teaching_sessions (id, slot_id, provider_id, status, channel_name, created_at)
            SELECT ${newId("ses")}, id, provider_id, 'SCHEDULED', ${`lectern-${slotId}`}, ${now} FROM slots WHERE id = ${slotId}
            ON CONFLICT(slot_id) DO NOTHING`,
        sql`INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at,
                                  payment_intent_id, session_id, cancellation_policy, rescheduled_from,
                                  created_at, updated_at)
            SELECT ${newBookingId}, ${slotId}, student_id, 'CONFIRMED', ${move.amount}, ${move.currency}, ${now},
                   ${move.intentId}, ${sessionId}, cancellation_policy, id, ${now}, ${now}
              FROM bookings WHERE id = ${fromBookingId} AND status = 'CONFIRMED'
            ON CONFLICT(id) DO NOTHING`,
        sql`INSERT INTO session_participants (session_id, user_id, booking_id, status, joined_at)
            SELECT ${sessionId}, ${move.studentId}, ${newBookingId}, 'CONFIRMED', ${now} WHERE ${oldConfirmed}
            ON CONFLICT(session_id, user_id) DO UPDATE SET status = 'CONFIRMED', booking_id = excluded.booking_id`,
        sql`INSERT INTO conversations (id, student_id, provider_id, created_at)
            SELECT ${newId("cnv")}, ${move.studentId}, provider_id, ${now} FROM slots
             WHERE id = ${slotId} AND session_type = 'ONE_TO_ONE' AND ${oldConfirmed}
            ON CONFLICT(student_id, provider_id) DO NOTHING`,
        sql`UPDATE payments SET booking_id = ${newBookingId}, slot_id = ${slotId}, updated_at = ${now}
             WHERE booking_id = ${fromBookingId} AND ${oldConfirmed}`,
        sql`UPDATE session_participants SET status = 'CANCELLED' WHERE booking_id = ${fromBookingId}`,
        sql`UPDATE bookings SET status = 'CANCELLED', cancelled_by = 'RESCHEDULE', cancelled_at = ${now},
                   rescheduled_to = ${newBookingId}, updated_at = ${now}
             WHERE id = ${fromBookingId} AND status = 'CONFIRMED'`,
        recountSeats(slotId),
        recountSeats(move.fromSlotId),
        rescheduleEvent(newBookingId, now),
      ]);
    },

    async recordPaymentFailure(bookingId, message) {
      await d1
        .prepare(
          `UPDATE bookings SET last_payment_error = ?, updated_at = ?
            WHERE id = ? AND status = 'PENDING_PAYMENT'`,
        )
        .bind(message.slice(0, 500), clock(), bookingId)
        .run();
    },

    async findReplay(bookingId) {
      return d1
        .prepare(
          `SELECT b.id, b.hold_expires_at, p.payment_intent_id, p.client_secret
             FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id WHERE b.id = ?`,
        )
        .bind(bookingId)
        .first<ReplayRow>();
    },
  };
}
