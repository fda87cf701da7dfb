import type { Deps } from "../deps";
import { AppError, unwrap } from "../domain/errors";
import type { AuthUser } from "../domain/identity";
import { newId } from "../domain/ids";
import type { Booking } from "../shared/api-types";
import { parsePolicy, rescheduleAllowed } from "../shared/cancellation-policy";
import { toBooking } from "./bookings";
import { findSlotRow, slotSnapshot } from "./slots";

/**
 * Moves a student's confirmed seat to another slot of the same provider and session type, all or
 * nothing, between the two slot objects (durable-objects/move-state.ts decides each step):
 * 1. the target keeps a seat tied to the existing payment (no new PaymentIntent);
 * 2. the source gives its seat up (refused: the target's seat is given back, nothing changed);
 * 3. the target confirms, writes both bookings to D1 in one batch and refunds a cheaper price's
 *    difference. If this request dies between steps, the target's alarm asks the source and
 *    finishes or abandons the move, so the two objects always converge.
 */
export async function rescheduleBooking(
  deps: Deps,
  user: AuthUser,
  bookingId: string,
  targetSlotId: string,
): Promise<Booking> {
  const loaded = await deps.records.bookings.findWithPayment(bookingId);
  if (!loaded) throw new AppError("NOT_FOUND", "No such booking.");
  const { booking, payment } = loaded;
  if (booking.studentId !== user.id)
    throw new AppError("FORBIDDEN", "Only the student who booked can move this booking.");
  const target = await findSlotRow(deps, targetSlotId);

  // A repeated request after the move went through answers with the moved booking.
  if (booking.status === "CANCELLED" && booking.rescheduledTo) {
    const moved = await deps.records.bookings.findWithPayment(booking.rescheduledTo);
    if (moved?.booking.slotId === targetSlotId) return toBooking(moved.booking, moved.payment);
  }
  if (booking.status !== "CONFIRMED" || !booking.paymentIntentId || !payment) {
    throw new AppError("BOOKING_NOT_ACTIVE", "Only a confirmed booking can be moved.");
  }
  const source = await findSlotRow(deps, booking.slotId);
  if (
    target.id === source.id ||
    target.providerId !== source.providerId ||
    target.sessionType !== source.sessionType ||
    target.currency !== booking.currency
  ) {
    throw new AppError(
      "RESCHEDULE_NOT_ALLOWED",
      "A lesson can only move to another slot of the same tutor and the same kind (1-to-1 or group).",
    );
  }
  const now = deps.now();
  if (target.status !== "OPEN" || target.startsAt <= now) {
    throw new AppError(
      "SLOT_NOT_BOOKABLE",
      "That slot can no longer be booked (cancelled, started or past).",
    );
  }
  if (target.priceAmount > booking.amount) {
    throw new AppError(
      "RESCHEDULE_PRICE_HIGHER",
      "That slot costs more than this booking; cancel and book it instead.",
      { targetPrice: target.priceAmount, bookingAmount: booking.amount },
    );
  }
  const policy = parsePolicy(booking.cancellationPolicy);
  if (!rescheduleAllowed(policy, source.startsAt, now)) {
    throw new AppError(
      "RESCHEDULE_TOO_LATE",
      `This tutor's lessons can be moved up to ${policy.rescheduleMinNoticeHours} hours before they start.`,
    );
  }

  const targetObject = deps.slots.get(target.id);
  const sourceObject = deps.slots.get(source.id);
  const kept = unwrap(
    await targetObject.moveIn({
      slot: slotSnapshot(target),
      newBookingId: newId("bkg"),
      terms: {
        fromBookingId: booking.id,
        fromSlotId: source.id,
        studentId: user.id,
        intentId: booking.paymentIntentId,
        amount: target.priceAmount,
        fromAmount: booking.amount,
        currency: target.currency,
      },
    }),
  );
  try {
    unwrap(await sourceObject.moveOut({ bookingId: booking.id, newBookingId: kept.bookingId, policy }));
  } catch (error) {
    // Compensation: the target's kept seat goes back; the booking stays CONFIRMED where it was.
    if (error instanceof AppError) await targetObject.abortMove(kept.bookingId);
    throw error;
  }
  unwrap(await targetObject.completeMove(kept.bookingId));
  const moved = await deps.records.bookings.findWithPayment(kept.bookingId);
  if (moved) return toBooking(moved.booking, moved.payment);
  // The seat has moved in both objects; D1 (retried from the target's outbox) follows shortly.
  const view = toBooking(booking, payment);
  delete view.sessionId;
  return {
    ...view,
    id: kept.bookingId,
    slotId: target.id,
    amount: target.priceAmount,
    currency: target.currency,
    holdExpiresAt: new Date(now).toISOString(),
    rescheduledFrom: booking.id,
  };
}
