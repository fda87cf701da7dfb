import { LOCAL_PUBLISHABLE_KEY } from "../adapters/stripe-payments";
import type { Deps } from "../deps";

/** What the browser needs to pay and to join video (nothing secret). */
export function clientConfig(deps: Deps) {
  const stripe = deps.stripe;
  const payments = stripe.apiBase
    ? { mode: "standin" as const, publishableKey: LOCAL_PUBLISHABLE_KEY, standinUrl: stripe.apiBase.origin }
    : { mode: "stripe" as const, publishableKey: deps.env.STRIPE_PUBLISHABLE_KEY ?? "" };
  return { payments, video: { agoraAppId: deps.video.appId } };
}
