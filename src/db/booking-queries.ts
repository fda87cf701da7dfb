import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { type BookingRow, bookings, type PaymentRow, payments, slots, stripeEvents, users } from "./schema";

export interface LoadedBooking {
  booking: BookingRow;
  payment: PaymentRow | null;
  providerId: string;
}

/**
 * Reads of bookings and payments for the API and the jobs, plus the Stripe event log. The slot
 * object's writes of the booking lifecycle are booking-records.ts.
 */
export interface BookingRecords {
  /** The booking with its payment (if any) and its slot's provider. */
  findWithPayment(id: string): Promise<LoadedBooking | undefined>;
  /** A student's bookings, or a provider's bookings on their slots; newest first, at most 500. */
  listFor(user: {
    id: string;
    role: "provider" | "student";
  }): Promise<{ booking: BookingRow; payment: PaymentRow | null }[]>;
  /** A slot's bookings with each student's name; newest first, at most 200. */
  listForSlot(
    slotId: string,
  ): Promise<{ booking: BookingRow; payment: PaymentRow | null; studentName: string }[]>;
  findByIdempotencyKey(studentId: string, key: string): Promise<BookingRow | undefined>;
  findById(id: string): Promise<BookingRow | undefined>;
  hasConfirmedSeat(slotId: string, studentId: string): Promise<boolean>;
  findPaymentByIntent(intentId: string): Promise<PaymentRow | undefined>;
  /**
   * Bookings whose money is not final, quiet since `quietSince`: pending past the hold, a
   * refund or capture under way, money without a seat, or a seat without captured money.
   */
  listUnsettledMoney(quietSince: number, limit: number): Promise<{ id: string; slotId: string }[]>;
  /** Records a Stripe event id; returns whether it had already been processed. */
  beginStripeEvent(id: string, type: string, now: number): Promise<"new" | "processed">;
  finishStripeEvent(id: string, now: number): Promise<void>;
}

// A booking's payment is found by its PaymentIntent: a rescheduled booking and the one it moved
// to share one, so both show what that payment did (the row itself follows the active booking).
export function createBookingRecords(db: Db, _d1: D1Database): BookingRecords {
  return {
    async findWithPayment(id) {
      const rows = await db
        .select({ booking: bookings, payment: payments, providerId: slots.providerId })
        .from(bookings)
        .innerJoin(slots, eq(slots.id, bookings.slotId))
        .leftJoin(payments, eq(payments.paymentIntentId, bookings.paymentIntentId))
        .where(eq(bookings.id, id))
        .limit(1);
      return rows[0];
    },

    listFor(user) {
      return db
        .select({ booking: bookings, payment: payments })
        .from(bookings)
        .innerJoin(slots, eq(slots.id, bookings.slotId))
        .leftJoin(payments, eq(payments.paymentIntentId, bookings.paymentIntentId))
        .where(user.role === "student" ? eq(bookings.studentId, user.id) : eq(slots.providerId, user.id))
        .orderBy(desc(bookings.createdAt), desc(bookings.id))
        .limit(500);
    },

    listForSlot(slotId) {
      return db
        .select({ booking: bookings, payment: payments, studentName: users.name })
        .from(bookings)
        .innerJoin(users, eq(users.id, bookings.studentId))
        .leftJoin(payments, eq(payments.paymentIntentId, bookings.paymentIntentId))
        .where(eq(bookings.slotId, slotId))
        .orderBy(desc(bookings.createdAt), desc(bookings.id))
        .limit(200);
    },

    findByIdempotencyKey(studentId, key) {
      return db.query.bookings.findFirst({
        where: and(eq(bookings.studentId, studentId), eq(bookings.idempotencyKey, key)),
      });
    },

    findById(id) {
      return db.query.bookings.findFirst({ where: eq(bookings.id, id) });
    },

    async hasConfirmedSeat(slotId, studentId) {
      const row = await db.query.bookings.findFirst({
        columns: { id: true },
        where: and(
          eq(bookings.slotId, slotId),
          eq(bookings.studentId, studentId),
          eq(bookings.status, "CONFIRMED"),
        ),
      });
      return row !== undefined;
    },

    findPaymentByIntent(intentId) {
      return db.query.payments.findFirst({ where: eq(payments.paymentIntentId, intentId) });
    },

    async listUnsettledMoney(quietSince, limit) {
      return db.all<{ id: string; slotId: string }>(sql`
        SELECT b.id AS id, b.slot_id AS slotId
          FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id
         WHERE (b.status = 'PENDING_PAYMENT' AND b.hold_expires_at < ${quietSince})
            OR (MAX(b.updated_at, COALESCE(p.updated_at, 0)) < ${quietSince}
                AND (p.status IN ('REFUND_PENDING', 'AUTHORIZED')
                     -- Money still owed back; what a student's cancel left with the provider is not.
                     OR (b.status IN ('CANCELLED', 'EXPIRED') AND p.status IN ('SUCCEEDED', 'PARTIALLY_REFUNDED')
                         AND p.refunded_amount + p.refund_pending_amount < p.amount_captured - b.retained_amount)
                     OR (b.status = 'CONFIRMED' AND (p.status IS NULL OR p.status IN ('REQUIRES_PAYMENT', 'CANCELED')))))
         ORDER BY b.updated_at
         LIMIT ${limit}`);
    },

    async beginStripeEvent(id, type, now) {
      const seen = await db.query.stripeEvents.findFirst({ where: eq(stripeEvents.id, id) });
      if (seen?.processedAt) return "processed";
      if (!seen) await db.insert(stripeEvents).values({ id, type, receivedAt: now }).onConflictDoNothing();
      return "new";
    },

    async finishStripeEvent(id, now) {
      await db.update(stripeEvents).set({ processedAt: now }).where(eq(stripeEvents.id, id));
    },
  };
}
