import type { LoadedBooking } from "../db/booking-queries";
import type { BookingRow, PaymentRow } from "../db/schema";
import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { MIN_CHARGE_MINOR_UNITS } from "../domain/money";
import type { Booking, BookingAnswer, CancelPreview } from "../shared/api-types";
import { parsePolicy, refundForCancel } from "../shared/cancellation-policy";
import { findSlotRow, slotSnapshot } from "./slots";

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
    cancellationPolicy: parsePolicy(row.cancellationPolicy),
    ...(row.rescheduledFrom ? { rescheduledFrom: row.rescheduledFrom } : {}),
    ...(row.rescheduledTo ? { rescheduledTo: row.rescheduledTo } : {}),
    ...(row.cancelledBy ? { cancelledBy: row.cancelledBy } : {}),
  };
}

async function loadBooking(deps: Deps, id: string): Promise<LoadedBooking> {
  const row = await deps.records.bookings.findWithPayment(id);
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
  const rows = await deps.records.bookings.listFor(user);
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
    const earlier = await deps.records.bookings.findByIdempotencyKey(student.id, idempotencyKey);
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
  const result = await deps.slots.get(slotId).book({
    slot: slotSnapshot(slot),
    studentId: student.id,
    idempotencyKey,
  });
  const value = unwrap(result);
  const payment = { paymentIntentId: value.paymentIntentId, clientSecret: value.clientSecret };
  if (value.replayed) {
    // An earlier request made it: answer with the booking as it is now.
    const { booking, payment: row } = await loadBooking(deps, value.bookingId);
    const view = toBooking(
      { ...booking, paymentIntentId: booking.paymentIntentId ?? value.paymentIntentId },
      row,
    );
    return { answer: { booking: view, payment }, replayed: true };
  }
  // Fresh: the object wrote exactly this pending booking (at the slot version it checked), so
  // there is nothing to read back.
  const view: Booking = {
    id: value.bookingId,
    slotId,
    studentId: student.id,
    status: "PENDING_PAYMENT",
    amount: slot.priceAmount,
    currency: slot.currency,
    holdExpiresAt: new Date(value.holdExpiresAt).toISOString(),
    paymentIntentId: value.paymentIntentId,
    paymentStatus: "REQUIRES_PAYMENT",
    amountRefunded: 0,
    cancellationPolicy: parsePolicy(value.policy),
  };
  return {
    answer: { booking: view, payment },
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
  const terms = { amount: booking.amount, policy: parsePolicy(booking.cancellationPolicy) };
  unwrap(await deps.slots.get(booking.slotId).cancelByStudent(id, terms));
  const latest = await loadBooking(deps, id);
  return toBooking(latest.booking, latest.payment);
}

/**
 * What cancelling now would give back: the booking's policy tier for the notice left, of its
 * price, never more than is left to refund. The slot object decides the same way on cancel.
 */
export async function previewCancel(deps: Deps, user: AuthUser, id: string): Promise<CancelPreview> {
  const { booking, payment } = await loadBooking(deps, id);
  if (booking.studentId !== user.id)
    throw new AppError("FORBIDDEN", "Only the student who booked can cancel this booking.");
  if (booking.status === "PENDING_PAYMENT") return { refundAmount: 0, refundPercent: 100 };
  if (booking.status !== "CONFIRMED")
    throw new AppError("BOOKING_NOT_ACTIVE", `This booking is already ${booking.status.toLowerCase()}.`);
  const slot = await findSlotRow(deps, booking.slotId);
  const now = deps.now();
  if (now >= slot.startsAt || slot.status !== "OPEN") {
    throw new AppError(
      "SESSION_ALREADY_STARTED",
      "The lesson has already started, so this booking can no longer be cancelled.",
    );
  }
  const decided = refundForCancel(
    parsePolicy(booking.cancellationPolicy),
    booking.amount,
    slot.startsAt,
    now,
  );
  const left = payment
    ? Math.max(0, payment.amountCaptured - payment.refundedAmount - payment.refundPendingAmount)
    : 0;
  return { refundAmount: Math.min(decided.refundAmount, left), refundPercent: decided.refundPercent };
}

/** How to pay for a pending booking from any device or tab: its intent and client secret. */
export async function getBookingPayment(
  deps: Deps,
  user: AuthUser,
  id: string,
): Promise<{ paymentIntentId: string; clientSecret: string }> {
  const { booking, payment } = await loadBooking(deps, id);
  if (booking.studentId !== user.id) throw new AppError("FORBIDDEN", "Only the student who booked can pay.");
  const notWaiting = () => new AppError("BOOKING_NOT_ACTIVE", "This booking is not waiting for a payment.");
  if (booking.status !== "PENDING_PAYMENT" || booking.holdExpiresAt <= deps.now()) throw notWaiting();
  if (payment) return { paymentIntentId: payment.paymentIntentId, clientSecret: payment.clientSecret };
  // Answered a moment ago: the slot object has the intent before D1 does.
  const fromObject = await deps.slots.get(booking.slotId).paymentOf(id);
  if (!fromObject) throw notWaiting();
  return fromObject;
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
  return deps.records.bookings.listUnsettledMoney(deps.now() - graceMs, 100);
}

/** Seats as the slot's object counts them right now (holds included), without waiting for D1. */
export async function liveAvailability(deps: Deps, slotId: string) {
  const slot = await findSlotRow(deps, slotId);
  const taken = await deps.slots.get(slotId).seatsTaken();
  return { slotId, seatsTaken: taken, seatsLeft: Math.max(0, slot.maxParticipants - taken) };
}

/** The slot's bookings with each student's name, for its provider (newest first). */
export async function listSlotBookings(deps: Deps, user: AuthUser, slotId: string) {
  const slot = await findSlotRow(deps, slotId);
  if (slot.providerId !== user.id)
    throw new AppError("FORBIDDEN", "Only the slot's provider sees its bookings.");
  const rows = await deps.records.bookings.listForSlot(slotId);
  return rows.map((row) => ({
    ...toBooking(row.booking, row.payment),
    student: { id: row.booking.studentId, name: row.studentName },
  }));
}
