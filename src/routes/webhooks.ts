import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { receiveStripeWebhook } from "../services/stripe-events";

/** POST /api/webhooks/stripe: the raw body and its signature go to the service untouched. */
export const webhookRoutes = new Hono<AppEnv>().post("/stripe", async (c) => {
  const answer = await receiveStripeWebhook(
    c.get("deps"),
    await c.req.text(),
    c.req.header("stripe-signature"),
    (work) => c.executionCtx.waitUntil(work),
  );
  return c.json(answer, 200);
});
