import type { Stripe, StripeElements } from "@stripe/stripe-js";
import { useEffect, useRef, useState } from "preact/hooks";
import { ErrorNotice, Loading } from "./ui";

/**
 * Real keys: Stripe's Payment Element. This module (and @stripe/stripe-js, which injects
 * js.stripe.com) is imported only on the payment page in "stripe" mode.
 */
export default function StripePaymentForm({
  publishableKey,
  clientSecret,
  amountLabel,
  disabled,
  onConfirmed,
}: {
  publishableKey: string;
  clientSecret: string;
  amountLabel: string;
  disabled: boolean;
  onConfirmed: () => void;
}) {
  const mount = useRef<HTMLDivElement>(null);
  const [stripe, setStripe] = useState<Stripe | null>(null);
  const [elements, setElements] = useState<StripeElements | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const { loadStripe } = await import("@stripe/stripe-js");
        const loaded = await loadStripe(publishableKey);
        if (!live) return;
        if (!loaded || !mount.current) throw new Error("Stripe could not be loaded.");
        const created = loaded.elements({ clientSecret });
        const element = created.create("payment", { layout: "tabs" });
        element.on("ready", () => setReady(true));
        element.mount(mount.current);
        setStripe(loaded);
        setElements(created);
      } catch {
        if (live)
          setError(
            "The card form could not be loaded from Stripe. Check your connection and reload the page.",
          );
      }
    })();
    return () => {
      live = false;
    };
  }, [publishableKey, clientSecret]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!stripe || !elements) return;
    setBusy(true);
    setError(undefined);
    const result = await stripe.confirmPayment({
      elements,
      redirect: "if_required",
      confirmParams: { return_url: location.href },
    });
    setBusy(false);
    if (result.error) setError(result.error.message ?? "The payment did not go through.");
    else onConfirmed();
  };

  return (
    <form class="form" onSubmit={submit}>
      {!ready && !error && <Loading label="Loading the secure card form…" />}
      <div ref={mount} />
      {error && <ErrorNotice>{error}</ErrorNotice>}
      <div class="button-row">
        <button type="submit" class="primary" disabled={!ready || busy || disabled}>
          {busy ? "Paying…" : `Pay ${amountLabel}`}
        </button>
      </div>
    </form>
  );
}
