import { useState } from "preact/hooks";
import { describedBy, ErrorNotice, Field } from "./ui";

/** The stand-in's test cards (Stripe's own test numbers), mapped to its test PaymentMethods. */
const TEST_CARDS: Record<string, string> = {
  "4242424242424242": "pm_card_visa",
  "4000000000000002": "pm_card_chargeDeclined",
};

/**
 * Local test mode: no Stripe.js (it only loads from js.stripe.com). The PaymentIntent is
 * confirmed directly against the stand-in, which speaks Stripe's publishable-key API.
 */
export function TestCardForm({
  standinUrl,
  publishableKey,
  paymentIntentId,
  clientSecret,
  amountLabel,
  disabled,
  onConfirmed,
}: {
  standinUrl: string;
  publishableKey: string;
  paymentIntentId: string;
  clientSecret: string;
  amountLabel: string;
  disabled: boolean;
  onConfirmed: () => void;
}) {
  const [number, setNumber] = useState("4242 4242 4242 4242");
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    const paymentMethod = TEST_CARDS[number.replace(/\D/g, "")];
    if (!paymentMethod) {
      setFieldError(
        "In test mode only the test cards below work: 4242 4242 4242 4242 or 4000 0000 0000 0002.",
      );
      return;
    }
    setFieldError(undefined);
    setBusy(true);
    try {
      const response = await fetch(
        `${standinUrl.replace(/\/$/, "")}/v1/payment_intents/${encodeURIComponent(paymentIntentId)}/confirm`,
        {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            key: publishableKey,
            client_secret: clientSecret,
            payment_method: paymentMethod,
          }).toString(),
        },
      );
      if (response.ok) {
        onConfirmed();
        return;
      }
      const body = (await response.json().catch(() => undefined)) as
        | { error?: { message?: string } }
        | undefined;
      const message = body?.error?.message?.trim();
      setError(
        response.status === 402
          ? `${message || "Your card was declined."} Nothing was charged; you can try another card while your seat is held.`
          : (message ?? `The payment service answered ${response.status}.`),
      );
    } catch {
      setError("The payment service could not be reached. Nothing was charged; try again.");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="form test-card" onSubmit={submit}>
      <p class="test-mode-note">
        <strong>Test mode.</strong> No real card is charged. Use <code>4242 4242 4242 4242</code> (accepted)
        or <code>4000 0000 0000 0002</code> (declined).
      </p>
      <Field id="card-number" label="Card number" error={fieldError}>
        <input
          id="card-number"
          inputMode="numeric"
          autocomplete="off"
          value={number}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={describedBy("card-number", false, fieldError)}
          onInput={(e) => setNumber(e.currentTarget.value)}
        />
      </Field>
      {error && <ErrorNotice>{error}</ErrorNotice>}
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy || disabled}>
          {busy ? "Paying…" : `Pay ${amountLabel}`}
        </button>
      </div>
    </form>
  );
}
