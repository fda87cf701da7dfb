import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../api/endpoints";
import type { Booking } from "../api/types";

const POLL_MS = 400;
const PATIENCE_MS = 30_000;

/**
 * After the card was accepted the booking confirms when Stripe's webhooks arrive (usually well
 * under a second): `wait` polls the booking until it leaves PENDING_PAYMENT (CONFIRMED, or
 * EXPIRED when the hold ran out first), handing each answer to `onBooking`. `slow` turns on
 * after 30 seconds. `lastPaymentError` is not a reason to stop: `wait` runs only after the card
 * form saw the confirmation succeed, so an error that shows up now is a late echo of an earlier
 * decline (its webhook can land after the retry started), and the server clears it on success.
 */
export function usePaymentConfirmation(bookingId: string, onBooking: (booking: Booking) => void) {
  const [confirming, setConfirming] = useState(false);
  const [slow, setSlow] = useState(false);
  const stopped = useRef(false);
  const handler = useRef(onBooking);
  handler.current = onBooking;
  useEffect(() => {
    stopped.current = false;
    return () => {
      stopped.current = true;
    };
  }, []);

  const wait = async (): Promise<void> => {
    setConfirming(true);
    setSlow(false);
    const started = Date.now();
    while (!stopped.current) {
      await new Promise((resolve) =>
        setTimeout(resolve, Date.now() - started > PATIENCE_MS ? 2000 : POLL_MS),
      );
      if (stopped.current) return;
      if (Date.now() - started > PATIENCE_MS) setSlow(true);
      try {
        const next = await api.booking(bookingId);
        handler.current(next);
        if (next.status !== "PENDING_PAYMENT") break;
      } catch {
        // keep waiting; a network blip is not a payment failure
      }
    }
    if (!stopped.current) setConfirming(false);
  };

  return { confirming, slow, wait };
}
