/**
 * A new hold becomes a booking: the pending row in D1 (with the hold cap across slots), then the
 * PaymentIntent. Whatever fails leaves nothing behind, so a retry with the same Idempotency-Key
 * starts afresh. The slot object decided the hold; this only writes it out.
 */
import { PaymentError, type PaymentIntentView, type Payments } from "../src/adapters/stripe-payments";
import type { SlotRecords } from "../src/db/booking-records";
import { fail, ok, type Result } from "../src/domain/errors";
import type { Hold } from "./slot-state";
import { MAX_UNPAID_HOLDS } from "./slot-state";

/** What the worker knows about the slot when it asks for a seat. */
export interface SlotSnapshot {
  slotId: string;
  version: number;
  capacity: number;
  priceAmount: number;
  currency: string;
  startsAt: number;
  endsAt: number;
}

export interface BookCommand {
  slot: SlotSnapshot;
  studentId: string;
  idempotencyKey: string | null;
}

export interface BookAnswer {
  bookingId: string;
  /** True when an earlier request with the same idempotency key made this booking. */
  replayed: boolean;
  paymentIntentId: string | null;
  clientSecret: string | null;
  holdExpiresAt: number;
  /** The cancellation policy D1 snapshotted with a fresh booking (JSON; null: the default). */
  policy?: string | null;
}

/** The object's side of it: each call is one storage transaction of the slot object. */
export interface HoldWriter {
  /** The booking was not written: forget the hold (its seat frees at once). */
  drop(bookingId: string): void;
  /** The intent exists: keep it with the hold and queue writing it next to the booking. */
  attach(bookingId: string, intent: PaymentIntentView): void;
  /** No intent could be made: forget the hold and remove the pending booking. */
  discard(bookingId: string): void;
}

export const intentFields = (intent: PaymentIntentView) => ({
  intentId: intent.id,
  clientSecret: intent.clientSecret,
  amount: intent.amount,
  currency: intent.currency,
});

export async function completeBooking(
  ports: { records: SlotRecords; payments: Payments },
  writer: HoldWriter,
  command: BookCommand,
  hold: Hold,
): Promise<Result<BookAnswer>> {
  const { slot } = command;
  let written: Awaited<ReturnType<SlotRecords["insertPendingBooking"]>>;
  try {
    written = await ports.records.insertPendingBooking({
      bookingId: hold.bookingId,
      slotId: slot.slotId,
      studentId: hold.studentId,
      slotVersion: slot.version,
      holdExpiresAt: hold.expiresAt,
      idempotencyKey: hold.idempotencyKey,
      maxUnpaidHolds: MAX_UNPAID_HOLDS,
    });
  } catch (error) {
    writer.drop(hold.bookingId);
    if (String(error).includes("UNIQUE")) {
      return fail("ALREADY_BOOKED", "You already hold or have a seat in this slot.");
    }
    throw error;
  }
  if (!written.ok) {
    writer.drop(hold.bookingId);
    if (written.reason === "too_many_holds") {
      return fail(
        "TOO_MANY_HOLDS",
        `You already have ${MAX_UNPAID_HOLDS} unpaid bookings; pay for or cancel one before booking another.`,
      );
    }
    return fail("SLOT_NOT_BOOKABLE", "This slot changed or closed a moment ago; reload it and try again.");
  }

  let intent: PaymentIntentView;
  try {
    intent = await ports.payments.createIntent({
      bookingId: hold.bookingId,
      slotId: slot.slotId,
      studentId: hold.studentId,
      amount: slot.priceAmount,
      currency: slot.currency,
    });
  } catch (error) {
    writer.discard(hold.bookingId);
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PaymentError && error.kind === "invalid") {
      return fail("SLOT_NOT_BOOKABLE", `The payment provider refused this booking: ${message}`);
    }
    return fail(
      "PAYMENT_PROVIDER_ERROR",
      "The payment provider is unavailable; no seat was kept. Try again shortly.",
    );
  }
  writer.attach(hold.bookingId, intent);
  return ok({
    bookingId: hold.bookingId,
    replayed: false,
    paymentIntentId: intent.id,
    clientSecret: intent.clientSecret,
    holdExpiresAt: hold.expiresAt,
    policy: written.policy,
  });
}
