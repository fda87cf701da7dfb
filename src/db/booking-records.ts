import { sql } from "drizzle-orm";
import { newId } from "../domain/ids";
import { runBatch } from "./statements";

/**
 * D1 writes of the booking lifecycle. Each is one atomic batch, conditional on the booking's
 * current status so a repeated or late call never moves a booking backwards, and each ends by
 * recounting the slot's seats from the bookings themselves (idempotent, self-healing).
 */

const recountSeats = (slotId: string) => sql`
  UPDATE slots SET seats_taken = (
    SELECT COUNT(*) FROM bookings WHERE slot_id = ${slotId} AND status IN ('PENDING_PAYMENT', 'CONFIRMED'))
   WHERE id = ${slotId}`;

export interface PendingBookingInput {
  bookingId: string;
  slotId: string;
  studentId: string;
  slotVersion: number;
  holdExpiresAt: number;
  idempotencyKey: string | null;
  now: number;
}

/**
 * Writes the PENDING_PAYMENT booking at the slot's current price, only if the slot is still the
 * version the seat was decided on and still open. Throws on the one-active-booking index.
 */
export async function insertPendingBooking(d1: D1Database, input: PendingBookingInput): Promise<boolean> {
  const [, inserted] = await runBatch(d1, [
    // The slot object just gave this student a new hold, so any pending row of theirs here has
    // lapsed; its release may not have run yet and would trip the one-active-booking index.
    sql`UPDATE bookings SET status = 'EXPIRED', updated_at = ${input.now}
         WHERE slot_id = ${input.slotId} AND student_id = ${input.studentId} AND status = 'PENDING_PAYMENT'`,
    sql`INSERT INTO bookings (id, slot_id, student_id, status, amount, currency, hold_expires_at,
                              idempotency_key, created_at, updated_at)
        SELECT ${input.bookingId}, id, ${input.studentId}, 'PENDING_PAYMENT', price_amount, currency,
               ${input.holdExpiresAt}, ${input.idempotencyKey}, ${input.now}, ${input.now}
          FROM slots
         WHERE id = ${input.slotId} AND version = ${input.slotVersion} AND status = 'OPEN' AND starts_at > ${input.now}`,
    recountSeats(input.slotId),
  ]);
  return inserted?.meta.changes === 1;
}

export async function attachIntent(
  d1: D1Database,
  input: {
    bookingId: string;
    intentId: string;
    clientSecret: string;
    amount: number;
    currency: string;
    now: number;
  },
): Promise<void> {
  await runBatch(d1, [
    sql`UPDATE bookings SET payment_intent_id = ${input.intentId}, updated_at = ${input.now}
         WHERE id = ${input.bookingId} AND payment_intent_id IS NULL`,
    sql`INSERT INTO payments (id, booking_id, payment_intent_id, client_secret, amount, currency, status,
                              refunded_amount, created_at, updated_at)
        VALUES (${newId("pay")}, ${input.bookingId}, ${input.intentId}, ${input.clientSecret}, ${input.amount},
                ${input.currency}, 'REQUIRES_PAYMENT', 0, ${input.now}, ${input.now})
        ON CONFLICT(booking_id) DO NOTHING`,
  ]);
}

/** A pending booking ends without a seat: EXPIRED (hold lapsed) or CANCELLED (student or failure). */
export async function releaseBooking(
  d1: D1Database,
  input: { bookingId: string; slotId: string; status: "EXPIRED" | "CANCELLED"; now: number; reason?: string },
): Promise<void> {
  await runBatch(d1, [
    sql`UPDATE bookings SET status = ${input.status}, updated_at = ${input.now},
               last_payment_error = COALESCE(${input.reason ?? null}, last_payment_error)
         WHERE id = ${input.bookingId} AND status = 'PENDING_PAYMENT'`,
    sql`UPDATE payments SET status = 'CANCELED', updated_at = ${input.now}
         WHERE booking_id = ${input.bookingId} AND status IN ('REQUIRES_PAYMENT', 'AUTHORIZED')`,
    recountSeats(input.slotId),
  ]);
}

export async function markAuthorized(d1: D1Database, bookingId: string, now: number): Promise<void> {
  await runBatch(d1, [
    sql`UPDATE payments SET status = 'AUTHORIZED', updated_at = ${now}
         WHERE booking_id = ${bookingId} AND status = 'REQUIRES_PAYMENT'`,
    sql`UPDATE bookings SET last_payment_error = NULL, updated_at = ${now}
         WHERE id = ${bookingId} AND status = 'PENDING_PAYMENT'`,
  ]);
}

/**
 * CONFIRMED: the slot's TeachingSession (created once, with its first confirmed booking), the
 * SessionParticipant and the Payment SUCCEEDED, all in one batch.
 */
export async function confirmBooking(
  d1: D1Database,
  input: { bookingId: string; slotId: string; studentId: string; now: number },
): Promise<void> {
  const { bookingId, slotId, studentId, now } = input;
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
    sql`UPDATE payments SET status = 'SUCCEEDED', updated_at = ${now}
         WHERE booking_id = ${bookingId} AND status IN ('REQUIRES_PAYMENT', 'AUTHORIZED')`,
    // A confirmed 1-to-1 booking opens the chat between the student and the provider (once per pair).
    sql`INSERT INTO conversations (id, student_id, provider_id, created_at)
        SELECT ${newId("cnv")}, ${studentId}, provider_id, ${now} FROM slots
         WHERE id = ${slotId} AND session_type = 'ONE_TO_ONE'
           AND EXISTS (SELECT 1 FROM bookings WHERE id = ${bookingId} AND status = 'CONFIRMED')
        ON CONFLICT(student_id, provider_id) DO NOTHING`,
    recountSeats(slotId),
  ]);
}

/** A confirmed seat is given up (student or instructor cancel): the refund follows as its own step. */
export async function withdrawConfirmedBooking(
  d1: D1Database,
  input: { bookingId: string; slotId: string; now: number },
): Promise<void> {
  const { bookingId, slotId, now } = input;
  await runBatch(d1, [
    sql`UPDATE bookings SET status = 'CANCELLED', updated_at = ${now}
         WHERE id = ${bookingId} AND status IN ('PENDING_PAYMENT', 'CONFIRMED')`,
    sql`UPDATE session_participants SET status = 'CANCELLED' WHERE booking_id = ${bookingId}`,
    sql`UPDATE payments SET status = 'REFUND_PENDING', updated_at = ${now}
         WHERE booking_id = ${bookingId} AND status IN ('AUTHORIZED', 'SUCCEEDED')`,
    recountSeats(slotId),
  ]);
}

/**
 * The money went back: Payment REFUNDED, and the booking and its participant CANCELLED.
 * `reason` says why when no one asked (captured after the seat was gone).
 */
export async function recordRefund(
  d1: D1Database,
  input: {
    bookingId: string;
    slotId: string;
    refundId: string;
    amount: number;
    reason: string | null;
    now: number;
  },
): Promise<void> {
  const { bookingId, slotId, now } = input;
  await runBatch(d1, [
    sql`UPDATE payments SET status = 'REFUNDED', refund_id = ${input.refundId}, refunded_amount = ${input.amount},
               refund_reason = COALESCE(${input.reason}, refund_reason), updated_at = ${now}
         WHERE booking_id = ${bookingId} AND status != 'REFUNDED'`,
    sql`UPDATE bookings SET status = 'CANCELLED', updated_at = ${now}
         WHERE id = ${bookingId} AND status IN ('PENDING_PAYMENT', 'CONFIRMED')`,
    sql`UPDATE session_participants SET status = 'CANCELLED' WHERE booking_id = ${bookingId}`,
    recountSeats(slotId),
  ]);
}

export async function recordPaymentFailure(d1: D1Database, bookingId: string, message: string, now: number) {
  await d1
    .prepare(
      `UPDATE bookings SET last_payment_error = ?, updated_at = ?
        WHERE id = ? AND status = 'PENDING_PAYMENT'`,
    )
    .bind(message.slice(0, 500), now, bookingId)
    .run();
}
