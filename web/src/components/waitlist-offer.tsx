import { useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import type { Slot, WaitlistEntry } from "../api/types";
import { announce } from "../lib/announce";
import { errorCode } from "../lib/errors";
import { formatCountdown, formatMoney, formatRange } from "../lib/format";
import { startBooking } from "../lib/start-booking";
import { useNow } from "../lib/use-resource";
import { ErrorNotice } from "./ui";

/**
 * A seat the waiting list offers to this student: what, how long it is kept for them, and a Book
 * button that takes it the normal way (hold, then checkout). When the offer lapses, `onLapsed`
 * lets the page reload (the next in line gets it).
 */
export function WaitlistOffer({
  entry,
  slot,
  zone,
  tutorName,
  onLapsed,
}: {
  entry: WaitlistEntry;
  slot: Slot | undefined;
  zone: string;
  tutorName?: string | undefined;
  onLapsed: () => void;
}) {
  const now = useNow(1000);
  const { route } = useLocation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const expiresAt = entry.offerExpiresAt ? Date.parse(entry.offerExpiresAt) : undefined;
  const left = expiresAt === undefined ? undefined : Math.max(0, Math.ceil((expiresAt - now) / 1000));
  const lapsed = left === 0;
  useEffect(() => {
    if (lapsed) onLapsed();
  }, [lapsed]);

  const when = slot ? formatRange(slot.startsAt, slot.endsAt, zone) : "your lesson";
  // Said once when the offer appears, through the app's live region (this banner is new, so a
  // live region of its own would not be read).
  useEffect(() => {
    const minutes = left === undefined ? undefined : Math.ceil(left / 60);
    announce(
      `A seat is free for you in ${when}${tutorName ? ` with ${tutorName}` : ""}.${
        minutes ? ` It's kept for you for ${minutes} ${minutes === 1 ? "minute" : "minutes"}.` : ""
      }`,
    );
  }, [entry.id]);
  const book = async () => {
    setBusy(true);
    setError(undefined);
    try {
      route(await startBooking(entry.slotId));
    } catch (caught) {
      setError(caught);
      // The offer is gone (lapsed, or taken already): the page shows how things stand now.
      if (errorCode(caught) === "SLOT_FULL" || errorCode(caught) === "ALREADY_BOOKED") onLapsed();
    } finally {
      setBusy(false);
    }
  };

  const minutes = left === undefined ? undefined : Math.ceil(left / 60);
  return (
    <section
      class={left !== undefined && left <= 60 ? "offer-banner urgent" : "offer-banner"}
      aria-label={`Seat offered: ${when}`}
    >
      <p>
        <strong>A seat is free for you</strong> in {when}
        {tutorName ? ` with ${tutorName}` : ""}
        {slot ? ` (${formatMoney(slot.price.amount, slot.price.currency)})` : ""}.
      </p>
      {left !== undefined && (
        <>
          <p aria-hidden="true">
            {left > 0 ? (
              <>
                It's kept for you for <strong class="countdown-clock">{formatCountdown(left)}</strong>; after
                that it goes to the next person in line.
              </>
            ) : (
              "The offer has lapsed."
            )}
          </p>
          <p class="sr-only" role="timer" aria-live="polite" aria-atomic="true">
            {left === 0
              ? "The offer has lapsed."
              : `${minutes} ${minutes === 1 ? "minute" : "minutes"} left to take the seat.`}
          </p>
        </>
      )}
      <ErrorNotice error={error} />
      <div class="button-row">
        <button type="button" class="primary" disabled={busy || lapsed} onClick={() => void book()}>
          {busy ? "Holding the seat…" : "Book"}
          <span class="sr-only"> the offered seat, {when}</span>
        </button>
      </div>
    </section>
  );
}
