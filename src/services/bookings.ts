import { and, desc, eq } from "drizzle-orm";
import { slotObject } from "../adapters/slot-client";
import { type BookingRow, bookings, type PaymentRow, payments, slots, users } from "../db/schema";
import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import { MIN_CHARGE_MINOR_UNITS } from "../domain/money";
import type { AuthUser } from "../http/context";
import type { Booking, BookingAnswer } from "../shared/api-types";
import { findSlotRow } from "./slots";

export type { Booking };

export function toBooking(
  row: BookingRow,
  payment?: Pick<PaymentRow, "status" | "refundedAmount"> | null,
): Booking {
  return {
    id: row.id,
    slotId: row.slotId,
    studentId: row.studentId,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    holdExpiresAt: new Date(row.holdExpiresAt).toISOString(),
    paymentIntentId: row.paymentIntentId,
    ...(row.lastPaymentError ? { lastPaymentError: row.lastPaymentError } : {}),
    ...(row.sessionId ? { sessionId: row.sessionId } : {}),
    paymentStatus: payment?.status ?? "REQUIRES_PAYMENT",
    amountRefunded: payment?.refundedAmount ?? 0,
  };
}

async function loadBooking(
  deps: Deps,
  id: string,
): Promise<{ booking: BookingRow; payment: PaymentRow | null; providerId: string }> {
  const rows = await deps.db
    .select({ booking: bookings, payment: payments, providerId: slots.providerId })
    .from(bookings)
    .innerJoin(slots, eq(slots.id, bookings.slotId))
    .leftJoin(payments, eq(payments.bookingId, bookings.id))
    .where(eq(bookings.id, id))
    .limit(1);
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", "No such booking.");
  return row;
}

/** A booking is visible to its student and to the slot's provider. */
export async function getBooking(deps: Deps, user: AuthUser, id: string): Promise<Booking> {
  const { booking, payment, providerId } = await loadBooking(deps, id);
  if (booking.studentId !== user.id && providerId !== user.id) {
    throw new AppError("FORBIDDEN", "This booking is not yours.");
  }
  return toBooking(booking, payment);
}

/** Students see their bookings; providers see the bookings on their slots. Newest first. */
export async function listMyBookings(deps: Deps, user: AuthUser): Promise<Booking[]> {
  const rows = await deps.db
    .select({ booking: bookings, payment: payments })
    .from(bookings)
    .innerJoin(slots, eq(slots.id, bookings.slotId))
    .leftJoin(payments, eq(payments.bookingId, bookings.id))
    .where(user.role === "student" ? eq(bookings.studentId, user.id) : eq(slots.providerId, user.id))
    .orderBy(desc(bookings.createdAt), desc(bookings.id))
    .limit(500);
  return rows.map((row) => toBooking(row.booking, row.payment));
}

export type { BookingAnswer };

/**
 * Books a seat: the slot's object decides and holds it, writes the pending booking and creates
 * the PaymentIntent. The same Idempotency-Key from the same student answers the same booking.
 */
export async function bookSlot(
  deps: Deps,
  student: AuthUser,
  slotId: string,
  idempotencyKey: string | null,
): Promise<{ answer: BookingAnswer; replayed: boolean }> {
  const slot = await findSlotRow(deps, slotId);
  if (idempotencyKey) {
    const earlier = await deps.db.query.bookings.findFirst({
      where: and(eq(bookings.studentId, student.id), eq(bookings.idempotencyKey, idempotencyKey)),
    });
    if (earlier && earlier.slotId !== slotId) {
      throw new AppError("VALIDATION_FAILED", "This Idempotency-Key was already used for another slot.", [
        { path: "Idempotency-Key", message: "already used for a different slot" },
      ]);
    }
  }
  const now = deps.now();
  if (slot.status !== "OPEN" || slot.startsAt <= now) {
    throw new AppError(
      "SLOT_NOT_BOOKABLE",
      "This slot can no longer be booked (cancelled, started or past).",
    );
  }
  if (slot.priceAmount <= 0) {
    throw new AppError(
      "SLOT_NOT_BOOKABLE",
      "The provider has not set an hourly rate yet, so this slot cannot be paid for.",
    );
  }
  if (slot.priceAmount < MIN_CHARGE_MINOR_UNITS) {
    throw new AppError(
      "SLOT_NOT_BOOKABLE",
      "This slot's price is below the smallest amount that can be charged by card.",
    );
  }
  const result = await slotObject(deps.env, slotId).book({
    slot: {
      slotId,
      version: slot.version,
      capacity: slot.maxParticipants,
      priceAmount: slot.priceAmount,
      currency: slot.currency,
      startsAt: slot.startsAt,
      endsAt: slot.endsAt,
    },
    studentId: student.id,
    idempotencyKey,
  });
  const value = unwrap(result);
  const { booking, payment } = await loadBooking(deps, value.bookingId);
  const view = toBooking(
    { ...booking, paymentIntentId: booking.paymentIntentId ?? value.paymentIntentId },
    payment ?? { status: "REQUIRES_PAYMENT", refundedAmount: 0 },
  );
  return {
    answer: {
      booking: view,
      payment: { paymentIntentId: value.paymentIntentId, clientSecret: value.clientSecret },
    },
    replayed: value.replayed,
  };
}

/**
 * The student cancels: pending → released (CANCELLED, seat free); confirmed → refunded. Whether
 * it is still allowed (the lesson not started, by the clock or by the provider) is decided inside
 * the slot's object, so it cannot race the start.
 */
export async function cancelBooking(deps: Deps, user: AuthUser, id: string): Promise<Booking> {
  const { booking } = await loadBooking(deps, id);
  if (booking.studentId !== user.id)
    throw new AppError("FORBIDDEN", "Only the student who booked can cancel this booking.");
  if (booking.status !== "PENDING_PAYMENT" && booking.status !== "CONFIRMED") {
    throw new AppError("BOOKING_NOT_ACTIVE", `This booking is already ${booking.status.toLowerCase()}.`);
  }
  unwrap(await slotObject(deps.env, booking.slotId).cancelByStudent(id));
  const latest = await loadBooking(deps, id);
  return toBooking(latest.booking, latest.payment);
}

/** How to pay for a pending booking from any device or tab: its intent and client secret. */
export async function getBookingPayment(
  deps: Deps,
  user: AuthUser,
  id: string,
): Promise<{ paymentIntentId: string; clientSecret: string }> {
  const { booking, payment } = await loadBooking(deps, id);
  if (booking.studentId !== user.id) throw new AppError("FORBIDDEN", "Only the student who booked can pay.");
  if (booking.status !== "PENDING_PAYMENT" || booking.holdExpiresAt <= deps.now() || !payment) {
    throw new AppError("BOOKING_NOT_ACTIVE", "This booking is not waiting for a payment.");
  }
  return { paymentIntentId: payment.paymentIntentId, clientSecret: payment.clientSecret };
}

/**
 * Bookings whose money is not final, quiet for at least `graceMs`: pending past their hold, a
 * refund or capture under way, money held without a seat, or a seat without captured money. The
 * reconcile job asks each one's slot object to compare with Stripe and heal.
 */
export async function findUnsettledMoney(
  deps: Deps,
  graceMs: number,
): Promise<{ id: string; slotId: string }[]> {
  const quietSince = deps.now() - graceMs;
  const { results } = await deps.d1
    .prepare(
      `SELECT b.id AS id, b.slot_id AS slotId
         FROM bookings b LEFT JOIN payments p ON p.booking_id = b.id
        WHERE (b.status = 'PENDING_PAYMENT' AND b.hold_expires_at < ?1)
           OR (MAX(b.updated_at, COALESCE(p.updated_at, 0)) < ?1
               AND (p.status IN ('REFUND_PENDING', 'AUTHORIZED')
                    OR (b.status IN ('CANCELLED', 'EXPIRED') AND p.status IN ('SUCCEEDED', 'PARTIALLY_REFUNDED'))
                    OR (b.status = 'CONFIRMED' AND (p.status IS NULL OR p.status IN ('REQUIRES_PAYMENT', 'CANCELED')))))
        ORDER BY b.updated_at
        LIMIT 100`,
    )
    .bind(quietSince)
    .all<{ id: string; slotId: string }>();
  return results;
}

/** Seats as the slot's object counts them right now (holds included), without waiting for D1. */
export async function liveAvailability(deps: Deps, slotId: string) {
  const slot = await findSlotRow(deps, slotId);
  const taken = await slotObject(deps.env, slotId).seatsTaken();
  return { slotId, seatsTaken: taken, seatsLeft: Math.max(0, slot.maxParticipants - taken) };
}

/** The slot's bookings with each student's name, for its provider (newest first). */
export async function listSlotBookings(deps: Deps, user: AuthUser, slotId: string) {
  const slot = await findSlotRow(deps, slotId);
  if (slot.providerId !== user.id)
    throw new AppError("FORBIDDEN", "Only the slot's provider sees its bookings.");
  const rows = await deps.db
    .select({ booking: bookings, payment: payments, studentName: users.name })
    .from(bookings)
    .innerJoin(users, eq(users.id, bookings.studentId))
    .leftJoin(payments, eq(payments.bookingId, bookings.id))
    .where(eq(bookings.slotId, slotId))
    .orderBy(desc(bookings.createdAt), desc(bookings.id))
    .limit(200);
  return rows.map((row) => ({
    ...toBooking(row.booking, row.payment),
    student: { id: row.booking.studentId, name: row.studentName },
  }));
}
