import { vi } from "vitest";
import { createStripeStandin, type StripeStandin } from "../../scripts/stripe-standin/handler";
import { LOCAL_STRIPE_KEY, LOCAL_WEBHOOK_SECRET } from "../../src/adapters/stripe-payments";
import { BASE } from "./api";
import { workerFetch } from "./worker";

const STANDIN_HOST = "127.0.0.1:12111";

/**
 * Puts an in-process Stripe stand-in behind the app's Stripe host (fetch is spied, which also
 * covers the slot Durable Objects). Webhooks queue until the test calls `deliverPending()`, so
 * tests choose order, duplication and timing.
 */
export function installStripeStandin(): StripeStandin {
  const standin = createStripeStandin({
    delivery: "manual",
    webhookUrl: `${BASE}/api/webhooks/stripe`,
    webhookSecret: LOCAL_WEBHOOK_SECRET,
    fetchImpl: workerFetch,
    retryDelaysMs: [],
  });
  const original = globalThis.fetch.bind(globalThis);
  vi.spyOn(globalThis, "fetch").mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.host === STANDIN_HOST) return standin.fetch(input, init);
    return original(input, init);
  });
  return standin;
}

/** The student's side of paying: confirm the intent with a test card, as Stripe.js would. */
export async function confirmWithCard(
  standin: StripeStandin,
  intentId: string,
  paymentMethod: "pm_card_visa" | "pm_card_chargeDeclined" | "pm_card_refundFail" = "pm_card_visa",
): Promise<Response> {
  return standin.fetch(`http://${STANDIN_HOST}/v1/payment_intents/${intentId}/confirm`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${LOCAL_STRIPE_KEY}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ payment_method: paymentMethod }).toString(),
  });
}

/** Delivers queued webhooks until none are left (captures emit further events). */
export async function deliverAll(standin: StripeStandin, rounds = 5): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const results = await standin.deliverPending();
    if (results.length === 0) break;
    statuses.push(...results.map((r) => r.status));
  }
  return statuses;
}

/** A call to the stand-in with the platform's secret key, as the Stripe dashboard or a script would make it. */
export function stripeAdmin(
  standin: StripeStandin,
  path: string,
  form: Record<string, string> = {},
  method: "POST" | "GET" = "POST",
): Promise<Response> {
  const query = method === "GET" ? `?${new URLSearchParams(form)}` : "";
  return standin.fetch(`http://${STANDIN_HOST}${path}${query}`, {
    method,
    headers: {
      authorization: `Bearer ${LOCAL_STRIPE_KEY}`,
      "content-type": "application/x-www-form-urlencoded",
    },
    ...(method === "POST" ? { body: new URLSearchParams(form).toString() } : {}),
  });
}
