import {
  DEFAULT_CANCELLATION_POLICY,
  refundForCancel,
  rescheduleAllowed,
} from "../../../src/shared/cancellation-policy";
import { api } from "../api/endpoints";
import type { Booking, CancelPreview, Slot } from "../api/types";
import { formatMoney } from "../lib/format";
import { useResource } from "../lib/use-resource";
import { ConfirmDialog } from "./confirm-dialog";
import { ErrorNotice, Loading } from "./ui";

/**
 * Cancels a booking after saying what comes back. A paid booking asks the server for the exact
 * refund under the booking's own policy (GET /api/bookings/:id/cancel-preview); if that fails the
 * same rule is worked out here from the policy the booking carries.
 */
export function CancelBookingDialog({
  booking,
  slot,
  tutorName,
  onCancel,
  onClose,
}: {
  booking: Booking | undefined;
  slot: Slot | undefined;
  tutorName: string | undefined;
  onCancel: (booking: Booking) => Promise<void>;
  onClose: () => void;
}) {
  const paid = booking?.status === "CONFIRMED";
  const preview = useResource<CancelPreview | undefined>(async () => {
    if (booking?.status !== "CONFIRMED") return undefined;
    try {
      return await api.cancelPreview(booking.id);
    } catch {
      if (!slot) throw new Error("The refund could not be worked out. Please try again.");
      return refundForCancel(
        booking.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY,
        booking.amount,
        Date.parse(slot.startsAt),
        Date.now(),
      );
    }
  }, [booking?.id]);
  const refund = preview.data;
  const canMove =
    paid && slot && booking
      ? rescheduleAllowed(
          booking.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY,
          Date.parse(slot.startsAt),
          Date.now(),
        )
      : false;

  return (
    <ConfirmDialog
      open={booking !== undefined}
      title="Cancel this booking?"
      confirmLabel="Cancel booking"
      tone="danger"
      confirmDisabled={paid && refund === undefined}
      onConfirm={async () => {
        if (booking) await onCancel(booking);
      }}
      onClose={onClose}
    >
      {!booking ? null : !paid ? (
        <p>Your held seat is released. You haven't paid, so nothing is charged.</p>
      ) : refund === undefined ? (
        preview.error ? (
          <ErrorNotice error={preview.error} />
        ) : (
          <Loading label="Working out your refund…" />
        )
      ) : (
        <>
          <p data-testid="cancel-refund">
            {refund.refundPercent >= 100 ? (
              <>
                Your seat is given up and you get a full refund of{" "}
                <strong>{formatMoney(refund.refundAmount, booking.currency)}</strong> to your card.
              </>
            ) : refund.refundAmount > 0 ? (
              <>
                Your seat is given up. You will get{" "}
                <strong>{formatMoney(refund.refundAmount, booking.currency)}</strong> back (
                {refund.refundPercent} %) to your card.
              </>
            ) : (
              <>
                Your seat is given up. You will get <strong>nothing</strong> back (0 %): it's too close to the
                lesson.
              </>
            )}
          </p>
          {refund.refundPercent < 100 && (
            <p class="hint">
              That's what {tutorName ? `${tutorName}'s` : "the tutor's"} cancellation policy gives with the
              time left, as it stood when you booked.
              {canMove ? " You can still move the lesson to another time instead: choose Reschedule." : ""}
            </p>
          )}
        </>
      )}
    </ConfirmDialog>
  );
}
