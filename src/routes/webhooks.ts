import { Hono } from "hono";
import { createStripePayments, stripeConfig } from "../adapters/stripe-payments";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { runNotifications } from "../jobs/notifications";
import { parseStripeEvent, processStripeEvent } from "../services/stripe-events";

/** POST /api/webhooks/stripe: signature checked on the raw body before anything else. */
export const webhookRoutes = new Hono<AppEnv>().post("/stripe", async (c) => {
  const signature = c.req.header("stripe-signature");
  const rawBody = await c.req.text();
  if (!signature) throw new AppError("INVALID_SIGNATURE", "The Stripe-Signature header is missing.");
  const stripe = createStripePayments(stripeConfig(c.env));
  let verified: unknown;
  try {
    verified = await stripe.verifyEvent(rawBody, signature);
  } catch {
    throw new AppError("INVALID_SIGNATURE", "The Stripe-Signature does not match this payload.");
  }
  const outcome = await processStripeEvent(c.get("deps"), stripe, parseStripeEvent(verified));
  // Confirmation and refund emails go out right away instead of waiting for the next cron.
  c.executionCtx.waitUntil(
    runNotifications(c.get("deps")).catch((error) => console.warn("notifications", error)),
  );
  return c.json({ received: true, duplicate: outcome === "duplicate" }, 200);
});
