import type { SlotStatus } from "../api/types";

/** "1 of 4 seats taken, 3 left", announced politely when it changes. */
export function SeatCount({
  capacity,
  seatsLeft,
  status,
  live,
}: {
  capacity: number;
  seatsLeft: number;
  status?: SlotStatus;
  live: boolean;
}) {
  const taken = Math.max(0, capacity - seatsLeft);
  const text =
    capacity === 1
      ? taken === 1
        ? "The seat is taken."
        : "The seat is free."
      : `${taken} of ${capacity} seats taken, ${seatsLeft} left.`;
  return (
    <p class="seat-count" aria-live="polite" aria-atomic="true">
      <span class="seat-bar" aria-hidden="true">
        <span style={{ width: `${capacity > 0 ? (taken / capacity) * 100 : 0}%` }} />
      </span>
      <span data-testid="seat-count">{text}</span>
      {status === "FULL" && capacity > 1 && <span> Full.</span>}
      {live && <span class="live-dot" title="Updates live" aria-hidden="true" />}
    </p>
  );
}
