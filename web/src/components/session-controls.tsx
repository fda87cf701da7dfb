import { useState } from "preact/hooks";
import { SESSION_EARLY_START_MS } from "../../../src/shared/limits";
import { MINUTE_MS } from "../../../src/shared/time";
import { api } from "../api/endpoints";
import type { Session, SlotBooking } from "../api/types";
import { formatMoney, formatTime } from "../lib/format";
import { plural } from "../lib/labels";
import { useNow } from "../lib/use-resource";
import { ConfirmDialog } from "./confirm-dialog";

type Action = "start" | "end" | "cancel";

/**
 * Start, end or cancel a session, each behind a confirmation that says what happens to the
 * money: cancelling (only before the start) refunds every paid student in full; starting and
 * ending refund nobody.
 */
export function SessionControls({
  session,
  bookings,
  zone,
  onChanged,
}: {
  session: Session;
  bookings: SlotBooking[];
  zone: string;
  onChanged: (session: Session) => void;
}) {
  const now = useNow(15_000);
  const [action, setAction] = useState<Action | undefined>(undefined);
  const paid = bookings.filter((booking) => booking.status === "CONFIRMED");
  const pending = bookings.filter((booking) => booking.status === "PENDING_PAYMENT");
  const currency = paid[0]?.currency ?? bookings[0]?.currency ?? "usd";
  const total = paid.reduce((sum, booking) => sum + booking.amount, 0);
  const startsAt = Date.parse(session.startsAt);
  const startableFrom = startsAt - SESSION_EARLY_START_MS;
  const tooEarly = now < startableFrom;
  const over = now >= Date.parse(session.endsAt);

  if (session.status === "COMPLETED" || session.status === "CANCELLED") return null;

  const run = async () => {
    const next =
      action === "start"
        ? await api.startSession(session.id)
        : action === "end"
          ? await api.endSession(session.id)
          : await api.cancelSession(session.id);
    onChanged(next);
  };

  return (
    <div class="session-controls">
      <div class="button-row">
        {session.status === "SCHEDULED" && (
          <button
            type="button"
            class="primary"
            disabled={tooEarly || over}
            aria-describedby="start-hint"
            onClick={() => setAction("start")}
          >
            Start session
          </button>
        )}
        {session.status === "IN_PROGRESS" && (
          <button type="button" class="primary" onClick={() => setAction("end")}>
            End session
          </button>
        )}
        {session.status === "SCHEDULED" && (
          <button type="button" class="danger" onClick={() => setAction("cancel")}>
            Cancel session
          </button>
        )}
      </div>
      {session.status === "IN_PROGRESS" && (
        <p class="hint">A lesson under way can be ended, not cancelled: payments stay as they are.</p>
      )}
      {session.status === "SCHEDULED" && (
        <p class="hint" id="start-hint">
          {over
            ? "This lesson's time is over, so it can no longer be started."
            : tooEarly
              ? `You can start it from ${formatTime(startableFrom, zone)}, ${SESSION_EARLY_START_MS / MINUTE_MS} minutes before it begins.`
              : "You can start it now."}
        </p>
      )}
      <ConfirmDialog
        open={action === "start"}
        title="Start the session?"
        confirmLabel="Start session"
        cancelLabel="Not yet"
        onConfirm={run}
        onClose={() => setAction(undefined)}
      >
        <p>
          Students in the room are told at once and can join the video. From now on students can no longer
          cancel their booking for a refund.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={action === "end"}
        title="End the session?"
        confirmLabel="End session"
        cancelLabel="Keep teaching"
        onConfirm={run}
        onClose={() => setAction(undefined)}
      >
        <p>
          The lesson is marked completed and attendance is sealed. Payments stay as they are: nobody is
          refunded.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={action === "cancel"}
        title="Cancel the session?"
        confirmLabel={paid.length > 0 ? "Cancel session and refund" : "Cancel session"}
        cancelLabel="Keep the session"
        tone="danger"
        onConfirm={run}
        onClose={() => setAction(undefined)}
      >
        {paid.length === 0 ? (
          <p>Nobody has paid for this lesson, so nothing needs refunding.</p>
        ) : (
          <>
            <p>
              {plural(paid.length, "student")} will be refunded in full, {formatMoney(total, currency)} in
              total:
            </p>
            <ul class="refund-list">
              {paid.map((booking) => (
                <li key={booking.id}>
                  {booking.student.name}: {formatMoney(booking.amount, booking.currency)}
                </li>
              ))}
            </ul>
          </>
        )}
        {pending.length > 0 && (
          <p>
            {plural(pending.length, "unpaid seat hold")} will be released; nothing was charged for{" "}
            {pending.length === 1 ? "it" : "them"}.
          </p>
        )}
        <p>The slot is closed for booking and everyone in the room is told.</p>
      </ConfirmDialog>
    </div>
  );
}
