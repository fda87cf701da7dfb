import { useEffect, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api } from "../api/endpoints";
import type { Booking } from "../api/types";
import { AddToCalendar } from "../components/add-to-calendar";
import { ConfirmDialog } from "../components/confirm-dialog";
import { HoldCountdown } from "../components/hold-countdown";
import { PaymentForm } from "../components/payment-form";
import { Async, ErrorNotice, Loading, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { loadConfig } from "../lib/config";
import { loadProviders, loadSlot } from "../lib/directory";
import { errorCode } from "../lib/errors";
import { formatDuration, formatMoney, formatRange, SESSION_TYPE_LABEL } from "../lib/format";
import { usePaymentConfirmation } from "../lib/payment-confirmation";
import { fetchPayment } from "../lib/payment-store";
import { policyInWords } from "../lib/policy-text";
import { useResource } from "../lib/use-resource";

/** Pay for a held seat: the hold countdown, then the test card (locally) or Stripe's Payment Element. */
export function Checkout() {
  const user = useUser();
  const { params } = useRoute();
  const id = params.id ?? "";
  const zone = user.timezone;
  const data = useResource(async () => {
    const booking = await api.booking(id);
    const [slot, providers, config] = await Promise.all([
      loadSlot(booking.slotId),
      loadProviders(),
      loadConfig(),
    ]);
    return { booking, slot, provider: providers.get(slot.providerId), config };
  }, [id]);
  const [booking, setBooking] = useState<Booking | undefined>(undefined);
  const [cancelOpen, setCancelOpen] = useState(false);
  const { confirming, slow, wait } = usePaymentConfirmation(id, setBooking);

  useEffect(() => {
    if (data.data) setBooking(data.data.booking);
  }, [data.data]);

  const current = booking ?? data.data?.booking;
  const pending = current?.status === "PENDING_PAYMENT";
  // This tab's copy of the PaymentIntent, or the API's (a booking made in another tab or device).
  const payment = useResource(async () => (pending ? fetchPayment(id) : undefined), [id, pending]);
  useEffect(() => {
    // The booking stopped waiting for a payment meanwhile (paid elsewhere, expired): show how it stands.
    if (errorCode(payment.error) === "BOOKING_NOT_ACTIVE") void data.reload();
  }, [payment.error]);

  return (
    <Page title="Pay for your lesson">
      <Async resource={data} label="Loading your booking…">
        {({ slot, provider, config }) => {
          if (!current) return <Loading />;
          const amount = formatMoney(current.amount, current.currency);
          return (
            <div class="checkout">
              <section class="card" aria-labelledby="lesson-heading">
                <h2 id="lesson-heading">Your lesson</h2>
                <dl class="facts">
                  <dt>Tutor</dt>
                  <dd>{provider?.name ?? "Your tutor"}</dd>
                  <dt>When</dt>
                  <dd>{formatRange(slot.startsAt, slot.endsAt, zone)}</dd>
                  <dt>Lesson</dt>
                  <dd>
                    {SESSION_TYPE_LABEL[slot.sessionType]}, {formatDuration(slot.durationMinutes)}
                  </dd>
                  <dt>Price</dt>
                  <dd>{amount}</dd>
                  {current.cancellationPolicy && (
                    <>
                      <dt>If you cancel</dt>
                      <dd>{policyInWords(current.cancellationPolicy)}</dd>
                    </>
                  )}
                </dl>
              </section>

              {current.status === "CONFIRMED" ? (
                <section class="card" aria-labelledby="paid-heading">
                  <h2 id="paid-heading">You're booked</h2>
                  <Notice tone="success" live>
                    Payment received: {amount}. Your seat is confirmed. We've emailed you the details.
                  </Notice>
                  <div class="button-row">
                    {current.sessionId && (
                      <a class="button primary" href={`/sessions/${current.sessionId}`}>
                        Open the lesson room
                      </a>
                    )}
                    <a class="button secondary" href="/bookings">
                      My bookings
                    </a>
                    <AddToCalendar />
                  </div>
                </section>
              ) : current.status !== "PENDING_PAYMENT" ? (
                <section class="card" aria-labelledby="ended-heading">
                  <h2 id="ended-heading">This booking is no longer active</h2>
                  <Notice tone="warning">
                    {current.status === "EXPIRED"
                      ? "The seat hold ended before the payment arrived, so the seat was released. Nothing was charged."
                      : "This booking was cancelled. Nothing was charged."}
                  </Notice>
                  <a class="button primary" href={`/find/${slot.providerId}`}>
                    Choose a time again
                  </a>
                </section>
              ) : (
                <section class="card" aria-labelledby="pay-heading">
                  <h2 id="pay-heading">Payment</h2>
                  <HoldCountdown expiresAt={current.holdExpiresAt} onExpired={() => void data.reload()} />
                  {confirming ? (
                    <Loading
                      label={
                        slow
                          ? "Still waiting for the payment confirmation; this page keeps checking…"
                          : "Confirming your payment…"
                      }
                    />
                  ) : current.lastPaymentError ? (
                    <ErrorNotice>
                      The last payment attempt failed: {current.lastPaymentError} You can try again while your
                      seat is held.
                    </ErrorNotice>
                  ) : null}
                  {payment.data ? (
                    <PaymentForm
                      payments={config.payments}
                      payment={payment.data}
                      amountLabel={amount}
                      disabled={confirming}
                      onConfirmed={() => void wait()}
                    />
                  ) : payment.error ? (
                    <ErrorNotice error={payment.error}>
                      {" "}
                      <button type="button" class="link-button" onClick={() => void payment.reload()}>
                        Try again
                      </button>
                    </ErrorNotice>
                  ) : (
                    <Loading label="Loading the card form…" />
                  )}
                  <p class="hint">
                    The amount is reserved on your card and taken only while your seat is held; if the hold
                    ends first, the reservation is released.
                  </p>
                  <button type="button" class="link-button" onClick={() => setCancelOpen(true)}>
                    Cancel this booking
                  </button>
                  <ConfirmDialog
                    open={cancelOpen}
                    title="Cancel this booking?"
                    confirmLabel="Cancel booking"
                    tone="danger"
                    onConfirm={async () => setBooking(await api.cancelBooking(current.id))}
                    onClose={() => setCancelOpen(false)}
                  >
                    <p>Your held seat is released at once. You haven't paid, so nothing is charged.</p>
                  </ConfirmDialog>
                </section>
              )}
            </div>
          );
        }}
      </Async>
    </Page>
  );
}
