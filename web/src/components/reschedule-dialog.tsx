import { useEffect, useState } from "preact/hooks";
import { BOOKING_WINDOW_DAYS } from "../../../src/shared/limits";
import { DAY_MS } from "../../../src/shared/time";
import { api } from "../api/endpoints";
import type { Booking, Slot } from "../api/types";
import { formatMoney, formatRange, SESSION_TYPE_LABEL } from "../lib/format";
import { useResource } from "../lib/use-resource";
import { ConfirmDialog } from "./confirm-dialog";
import { Async, Empty } from "./ui";

/** The tutor's other open times a booking could move to: same session type and currency, a seat free. */
async function loadTargets(slot: Slot): Promise<Slot[]> {
  const now = Date.now();
  const { slots } = await api.slots({
    providerId: slot.providerId,
    from: new Date(now).toISOString(),
    to: new Date(now + (BOOKING_WINDOW_DAYS + 1) * DAY_MS).toISOString(),
  });
  return slots.filter(
    (candidate) =>
      candidate.id !== slot.id &&
      candidate.status === "OPEN" &&
      candidate.seatsLeft > 0 &&
      candidate.sessionType === slot.sessionType &&
      candidate.price.currency === slot.price.currency &&
      Date.parse(candidate.startsAt) > now,
  );
}

type PriceChange = { kind: "refund"; amount: number } | { kind: "same" } | { kind: "dearer"; amount: number };

/** What moving does to the money: the difference refunded, nothing, or not allowed (dearer). */
function priceChange(booking: Booking, target: Slot): PriceChange {
  const difference = booking.amount - target.price.amount;
  if (difference > 0) return { kind: "refund", amount: difference };
  if (difference === 0) return { kind: "same" };
  return { kind: "dearer", amount: -difference };
}

/** The short note beside each choice. */
function changeNote(change: PriceChange, currency: string): string {
  switch (change.kind) {
    case "refund":
      return `${formatMoney(change.amount, currency)} will be refunded`;
    case "same":
      return "same price";
    case "dearer":
      return `${formatMoney(change.amount, currency)} more: can't move to a dearer slot`;
  }
}

/** The sentence under the choice, said before anything is confirmed. */
function changeSentence(change: PriceChange, currency: string): string {
  switch (change.kind) {
    case "refund":
      return `${formatMoney(change.amount, currency)} will be refunded to your card: the new time is cheaper.`;
    case "same":
      return "Same price: nothing changes on your card.";
    case "dearer":
      return "This time costs more than you paid, so the booking can't be moved there.";
  }
}

/**
 * Moves a confirmed booking to another open time of the same tutor and lesson type. Times are in
 * the student's zone; each choice states the price difference before anything is confirmed.
 */
export function RescheduleDialog({
  open,
  booking,
  slot,
  zone,
  tutorName,
  onMoved,
  onClose,
}: {
  open: boolean;
  booking: Booking | undefined;
  slot: Slot | undefined;
  zone: string;
  tutorName: string | undefined;
  onMoved: (moved: Booking, to: Slot) => Promise<void> | void;
  onClose: () => void;
}) {
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const targets = useResource(async () => (open && slot ? loadTargets(slot) : []), [open, slot?.id]);
  useEffect(() => setChosen(undefined), [open, booking?.id]);

  const target = targets.data?.find((candidate) => candidate.id === chosen);
  const change = booking && target ? priceChange(booking, target) : undefined;
  const name = `reschedule-${booking?.id ?? "none"}`;

  return (
    <ConfirmDialog
      open={open}
      title="Move this booking?"
      confirmLabel="Move my booking"
      cancelLabel="Keep the time"
      confirmDisabled={!target || change?.kind === "dearer"}
      onConfirm={async () => {
        if (!booking || !target) return;
        const { booking: moved } = await api.reschedule(booking.id, target.id);
        await onMoved(moved, target);
      }}
      onClose={onClose}
    >
      {booking && slot ? (
        <>
          <p>
            Now: <strong>{formatRange(slot.startsAt, slot.endsAt, zone)}</strong>
            {tutorName ? ` with ${tutorName}` : ""}, {formatMoney(booking.amount, booking.currency)} paid.
            Pick another {SESSION_TYPE_LABEL[slot.sessionType].toLowerCase()} time; your payment moves with
            you.
          </p>
          <Async resource={targets} label="Loading open times…">
            {(list) =>
              list.length === 0 ? (
                <Empty>
                  {tutorName ?? "This tutor"} has no other open{" "}
                  {SESSION_TYPE_LABEL[slot.sessionType].toLowerCase()} times in the next {BOOKING_WINDOW_DAYS}{" "}
                  days.
                </Empty>
              ) : (
                <fieldset class="reschedule-choices">
                  <legend>New time</legend>
                  {list.map((candidate) => {
                    const candidateChange = priceChange(booking, candidate);
                    return (
                      <label key={candidate.id} class="choice">
                        <input
                          type="radio"
                          name={name}
                          value={candidate.id}
                          checked={chosen === candidate.id}
                          disabled={candidateChange.kind === "dearer"}
                          onChange={() => setChosen(candidate.id)}
                        />
                        <span>
                          {formatRange(candidate.startsAt, candidate.endsAt, zone)} ·{" "}
                          {formatMoney(candidate.price.amount, candidate.price.currency)}
                          <span class="hint"> ({changeNote(candidateChange, booking.currency)})</span>
                        </span>
                      </label>
                    );
                  })}
                </fieldset>
              )
            }
          </Async>
          {target && change && (
            <p class="price-line" aria-live="polite">
              {changeSentence(change, booking.currency)} The old time is released for others.
            </p>
          )}
        </>
      ) : null}
    </ConfirmDialog>
  );
}
