import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../http/context";
import { errors, json, PUBLIC } from "../http/openapi";
import { receiveStripeWebhook } from "../services/stripe-events";

/** POST /api/webhooks/stripe: the raw body and its signature go to the service untouched. */
export const webhookRoutes = new Hono<AppEnv>().post(
  "/stripe",
  describeRoute({
    summary: "Stripe events",
    description:
      "Stripe's webhook endpoint. The event is a hint: the app reads the object back from Stripe before acting. Idempotent by event id; types the app does not use answer 200.",
    tags: ["Stripe"],
    security: PUBLIC,
    parameters: [
      {
        in: "header",
        name: "stripe-signature",
        required: true,
        schema: { type: "string" },
        description: "Stripe's signature of the raw body.",
      },
    ],
    requestBody: {
      required: true,
      content: { "application/json": { schema: { type: "object", description: "A Stripe event." } } },
    },
    responses: { 200: json("Received."), ...errors("INVALID_SIGNATURE") },
  }),
  async (c) => {
    const answer = await receiveStripeWebhook(
      c.get("deps"),
      await c.req.text(),
      c.req.header("stripe-signature"),
      (work) => c.executionCtx.waitUntil(work),
    );
    return c.json(answer, 200);
  },
);
