import { api } from "../api/endpoints";

/**
 * The PaymentIntent's client secret of a booking, kept for this tab only (sessionStorage), so the
 * payment page survives a reload. It is meant for the browser (Stripe.js uses it); the session
 * token never goes to storage.
 */
export interface StoredPayment {
  paymentIntentId: string;
  clientSecret: string;
}

const key = (bookingId: string) => `lectern.payment.${bookingId}`;

export function savePayment(bookingId: string, payment: StoredPayment): void {
  try {
    sessionStorage.setItem(key(bookingId), JSON.stringify(payment));
  } catch {
    // Storage unavailable (private mode): the in-memory copy below still serves this page load.
  }
  memory.set(bookingId, payment);
}

const memory = new Map<string, StoredPayment>();

export function loadPayment(bookingId: string): StoredPayment | undefined {
  const held = memory.get(bookingId);
  if (held) return held;
  try {
    const raw = sessionStorage.getItem(key(bookingId));
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<StoredPayment>;
    if (typeof parsed.clientSecret === "string" && typeof parsed.paymentIntentId === "string") {
      return { clientSecret: parsed.clientSecret, paymentIntentId: parsed.paymentIntentId };
    }
  } catch {
    // unreadable: treat as missing
  }
  return undefined;
}

/**
 * The payment details of a booking: this tab's copy, or else asked from the API (a booking made
 * in another tab or on another device). Throws the API's error (409 BOOKING_NOT_ACTIVE once the
 * booking no longer waits for a payment).
 */
export async function fetchPayment(bookingId: string): Promise<StoredPayment> {
  const held = loadPayment(bookingId);
  if (held) return held;
  const payment = await api.bookingPayment(bookingId);
  savePayment(bookingId, payment);
  return payment;
}
