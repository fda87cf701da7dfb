import type { ComponentType } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { useRoute } from "preact-iso";
import { api } from "../api/endpoints";
import type { Booking } from "../api/types";
import { AddToCalendar } from "../components/add-to-calendar";
import { ConfirmDialog } from "../components/confirm-dialog";
import { HoldCountdown } from "../components/hold-countdown";
import { TestCardForm } from "../components/test-card-form";
import { Async, ErrorNotice, Loading, Notice, Page } from "../components/ui";
import { useUser } from "../lib/auth";
import { loadConfig } from "../lib/config";
import { loadProviders, loadSlot } from "../lib/directory";
import { formatDuration, formatMoney, formatRange, SESSION_TYPE_LABEL, zoneLabel } from "../lib/format";
import { loadPayment } from "../lib/payment-store";
import { useResource } from "../lib/use-resource";

type StripeFormProps = {
  publishableKey: string;
  clientSecret: string;
  amountLabel: string;
  disabled: boolean;
  onConfirmed: () => void;
};

/** Loads the Payment Element module (and with it Stripe.js) only when it is needed. */
function StripePaymentForm(props: StripeFormProps) {
  const [Form, setForm] = useState<ComponentType<StripeFormProps> | undefined>(undefined);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import("../components/stripe-payment-form")
      .then((module) => setForm(() => module.default))
      .catch(() => setFailed(true));
  }, []);
  if (failed)
    return (
      <ErrorNotice>The card form could not be loaded. Check your connection and reload the page.</ErrorNotice>
    );
  return Form ? <Form {...props} /> : <Loading label="Loading the secure card form…" />;
}

const POLL_MS = 400;
const PATIENCE_MS = 30_000;

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
  const [confirming, setConfirming] = useState(false);
  const [slow, setSlow] = useState(false);
  const [cancelOpen, setCancelOpen] = useState(false);
  const stopped = useRef(false);

  useEffect(() => {
    if (data.data) setBooking(data.data.booking);
  }, [data.data]);
  useEffect(
    () => () => {
      stopped.current = true;
    },
    [],
  );

  /** The card was accepted: the booking confirms when the webhooks arrive (usually well under a second). */
  const waitForConfirmation = async () => {
    setConfirming(true);
    setSlow(false);
    const started = Date.now();
    const before = booking?.lastPaymentError;
    while (!stopped.current) {
      await new Promise((resolve) =>
        setTimeout(resolve, Date.now() - started > PATIENCE_MS ? 2000 : POLL_MS),
      );
      if (Date.now() - started > PATIENCE_MS) setSlow(true);
      try {
        const next = await api.booking(id);
        setBooking(next);
        if (next.status !== "PENDING_PAYMENT" || (next.lastPaymentError && next.lastPaymentError !== before))
          break;
      } catch {
        // keep waiting; a network blip is not a payment failure
      }
    }
    setConfirming(false);
  };

  const current = booking ?? data.data?.booking;
  return (
    <Page title="Pay for your lesson">
      <Async resource={data} label="Loading your booking…">
        {({ slot, provider, config }) => {
          if (!current) return <Loading />;
          const amount = formatMoney(current.amount, current.currency);
          const payment = loadPayment(current.id);
          return (
            <div class="checkout">
              <section class="card" aria-labelledby="lesson-heading">
                <h2 id="lesson-heading">Your lesson</h2>
                <dl class="facts">
                  <dt>Tutor</dt>
                  <dd>{provider?.name ?? "Your tutor"}</dd>
                  <dt>When</dt>
                  <dd>
                    {formatRange(slot.startsAt, slot.endsAt, zone)}{" "}
                    <span class="hint">({zoneLabel(zone)})</span>
                  </dd>
                  <dt>Lesson</dt>
                  <dd>
                    {SESSION_TYPE_LABEL[slot.sessionType]}, {formatDuration(slot.durationMinutes)}
                  </dd>
                  <dt>Price</dt>
                  <dd>{amount}</dd>
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
                    <AddToCalendar slot={slot} providerName={provider?.name} />
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
                  {!payment ? (
                    <Notice tone="warning">
                      The payment details of this booking are not available in this browser tab. Cancel it
                      below and book the time again to pay.
                    </Notice>
                  ) : config.payments.mode === "stripe" ? (
                    <StripePaymentForm
                      publishableKey={config.payments.publishableKey}
                      clientSecret={payment.clientSecret}
                      amountLabel={amount}
                      disabled={confirming}
                      onConfirmed={() => void waitForConfirmation()}
                    />
                  ) : (
                    <TestCardForm
                      standinUrl={config.payments.standinUrl ?? "http://127.0.0.1:12111"}
                      publishableKey={config.payments.publishableKey}
                      paymentIntentId={payment.paymentIntentId}
                      clientSecret={payment.clientSecret}
                      amountLabel={amount}
                      disabled={confirming}
                      onConfirmed={() => void waitForConfirmation()}
                    />
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
