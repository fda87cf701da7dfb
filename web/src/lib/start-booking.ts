import { api } from "../api/endpoints";
import { savePayment } from "./payment-store";

/**
 * Holds a seat (POST /api/slots/:id/bookings, with a fresh idempotency key) and answers the
 * checkout page to go to; the PaymentIntent is kept for this tab so checkout opens at once.
 * Throws the API's error (SLOT_FULL, ALREADY_BOOKED, TOO_MANY_HOLDS, ...).
 */
export async function startBooking(slotId: string): Promise<string> {
  const answer = await api.book(slotId, crypto.randomUUID());
  if (answer.payment.clientSecret && answer.payment.paymentIntentId) {
    savePayment(answer.booking.id, {
      clientSecret: answer.payment.clientSecret,
      paymentIntentId: answer.payment.paymentIntentId,
    });
  }
  return `/bookings/${answer.booking.id}/pay`;
}
