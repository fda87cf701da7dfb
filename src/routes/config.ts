import { Hono } from "hono";
import { agoraConfig } from "../adapters/agora-video";
import { LOCAL_PUBLISHABLE_KEY, stripeConfig } from "../adapters/stripe-payments";
import type { AppEnv } from "../http/context";

/** GET /api/config: what the browser needs to pay and to join video (nothing secret). */
export const configRoutes = new Hono<AppEnv>().get("/", (c) => {
  const stripe = stripeConfig(c.env);
  const payments = stripe.apiBase
    ? { mode: "standin" as const, publishableKey: LOCAL_PUBLISHABLE_KEY, standinUrl: stripe.apiBase.origin }
    : { mode: "stripe" as const, publishableKey: c.env.STRIPE_PUBLISHABLE_KEY ?? "" };
  return c.json({ payments, video: { agoraAppId: agoraConfig(c.env).appId } }, 200);
});
