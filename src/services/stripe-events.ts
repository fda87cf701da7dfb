import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { slotObject } from "../adapters/slot-client";
import { recordPaymentFailure } from "../db/booking-records";
import { bookings, payments, stripeEvents } from "../db/schema";
import type { Deps } from "../deps";

/**
 * Processes one verified Stripe event at most once per event id. Every handler is idempotent
 * and conditional on current state, so duplicates and out-of-order deliveries converge on the
 * same end state. Resolves only after the durable writes; a throw makes Stripe retry.
 */
export async function processStripeEvent(
  deps: Deps,
  event: Stripe.Event,
): Promise<"processed" | "duplicate"> {
  const seen = await deps.db.query.stripeEvents.findFirst({ where: eq(stripeEvents.id, event.id) });
  if (seen?.processedAt) return "duplicate";
  if (!seen) {
    await deps.db
      .insert(stripeEvents)
      .values({ id: event.id, type: event.type, receivedAt: deps.now() })
      .onConflictDoNothing();
  }
  await dispatch(deps, event);
  await deps.db.update(stripeEvents).set({ processedAt: deps.now() }).where(eq(stripeEvents.id, event.id));
  return "processed";
}

async function bookingFor(deps: Deps, intent: Stripe.PaymentIntent) {
  const bookingId = intent.metadata?.bookingId;
  if (!bookingId) return undefined;
  const booking = await deps.db.query.bookings.findFirst({ where: eq(bookings.id, bookingId) });
  // Trust our own row, not the metadata, for which slot it belongs to.
  return booking && (booking.paymentIntentId === null || booking.paymentIntentId === intent.id)
    ? booking
    : undefined;
}

async function dispatch(deps: Deps, event: Stripe.Event): Promise<void> {
  switch (event.type) {
    case "payment_intent.amount_capturable_updated": {
      const booking = await bookingFor(deps, event.data.object);
      if (booking) await slotObject(deps.env, booking.slotId).onAuthorized(booking.id, event.data.object.id);
      return;
    }
    case "payment_intent.succeeded": {
      const booking = await bookingFor(deps, event.data.object);
      if (booking) await slotObject(deps.env, booking.slotId).onSucceeded(booking.id, event.data.object.id);
      return;
    }
    case "payment_intent.payment_failed": {
      const intent = event.data.object;
      const booking = await bookingFor(deps, intent);
      const message = intent.last_payment_error?.message ?? "The payment failed.";
      if (booking) await recordPaymentFailure(deps.d1, booking.id, message, deps.now());
      return;
    }
    case "payment_intent.canceled": {
      const booking = await bookingFor(deps, event.data.object);
      if (booking) await slotObject(deps.env, booking.slotId).onIntentCanceled(booking.id);
      return;
    }
    case "charge.refunded": {
      const charge = event.data.object;
      const intentId =
        typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
      if (!intentId || !charge.refunded) return;
      const payment = await deps.db.query.payments.findFirst({
        where: eq(payments.paymentIntentId, intentId),
      });
      if (!payment || payment.status === "REFUNDED") return;
      const booking = await deps.db.query.bookings.findFirst({ where: eq(bookings.id, payment.bookingId) });
      const refundId = charge.refunds?.data[0]?.id ?? `refund-of-${charge.id}`;
      if (booking) {
        await slotObject(deps.env, booking.slotId).onRefunded(booking.id, refundId, charge.amount_refunded);
      }
      return;
    }
    default:
      return;
  }
}
