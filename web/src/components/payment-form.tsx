import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { AppConfig } from "../api/types";
import type { StoredPayment } from "../lib/payment-store";
import { TestCardForm } from "./test-card-form";
import { ErrorNotice, Loading } from "./ui";

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
    import("./stripe-payment-form")
      .then((module) => setForm(() => module.default))
      .catch(() => setFailed(true));
  }, []);
  if (failed)
    return (
      <ErrorNotice>The card form could not be loaded. Check your connection and reload the page.</ErrorNotice>
    );
  return Form ? <Form {...props} /> : <Loading label="Loading the secure card form…" />;
}

/**
 * The card form for one PaymentIntent: Stripe's Payment Element when a publishable key is
 * configured, the stand-in's test card form locally. Used by checkout and by My bookings.
 */
export function PaymentForm({
  payments,
  payment,
  amountLabel,
  disabled,
  onConfirmed,
}: {
  payments: AppConfig["payments"];
  payment: StoredPayment;
  amountLabel: string;
  disabled: boolean;
  onConfirmed: () => void;
}) {
  return payments.mode === "stripe" ? (
    <StripePaymentForm
      publishableKey={payments.publishableKey}
      clientSecret={payment.clientSecret}
      amountLabel={amountLabel}
      disabled={disabled}
      onConfirmed={onConfirmed}
    />
  ) : (
    <TestCardForm
      standinUrl={payments.standinUrl ?? "http://127.0.0.1:12111"}
      publishableKey={payments.publishableKey}
      paymentIntentId={payment.paymentIntentId}
      clientSecret={payment.clientSecret}
      amountLabel={amountLabel}
      disabled={disabled}
      onConfirmed={onConfirmed}
    />
  );
}
