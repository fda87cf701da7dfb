import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { errors, json, noContent } from "../http/openapi";
import { validate } from "../http/validate";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  sendTestEvent,
} from "../services/webhook-endpoints";
import { WEBHOOK_EVENT_TYPES } from "../shared/webhook-events";

const endpointBody = z.strictObject({
  url: z.string().trim().min(1).max(2000),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1).max(WEBHOOK_EVENT_TYPES.length).optional(),
});
const endpointParam = z.object({ id: z.string().min(1).max(64) });

/** A provider's outbound webhook endpoints (Standard Webhooks), under /api/me. */
export const webhookEndpointRoutes = new Hono<AppEnv>()
  .post(
    "/webhook-endpoints",
    describeRoute({
      summary: "Add a webhook endpoint",
      description:
        "Creates an endpoint for the provider's own events (all types when `events` is left out) and answers its signing secret once. Loopback and private addresses are refused unless DEV_ROUTES=on.",
      tags: ["Integrations"],
      responses: { 201: json("The endpoint and its signing secret (shown once)."), ...errors(400, 401, 403) },
    }),
    requireUser("provider"),
    validate("json", endpointBody),
    async (c) => {
      const deps = c.get("deps");
      return c.json(await createWebhookEndpoint(deps, currentUser(c), c.req.valid("json")), 201);
    },
  )
  .get(
    "/webhook-endpoints",
    describeRoute({
      summary: "List webhook endpoints",
      description: "The provider's endpoints.",
      tags: ["Integrations"],
      responses: {
        200: json("The provider's endpoints (secrets are never shown again)."),
        ...errors(401, 403),
      },
    }),
    requireUser("provider"),
    async (c) => c.json({ endpoints: await listWebhookEndpoints(c.get("deps"), currentUser(c)) }, 200),
  )
  .delete(
    "/webhook-endpoints/:id",
    describeRoute({
      summary: "Delete a webhook endpoint",
      description: "Stops deliveries to it at once.",
      tags: ["Integrations"],
      responses: { 204: noContent, ...errors(401, 403, 404) },
    }),
    requireUser("provider"),
    validate("param", endpointParam),
    async (c) => {
      await deleteWebhookEndpoint(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .get(
    "/webhook-endpoints/:id/deliveries",
    describeRoute({
      summary: "An endpoint's delivery log",
      description:
        "Newest first: status, attempts, last status code, next attempt and every attempt's outcome.",
      tags: ["Integrations"],
      responses: { 200: json("The deliveries, newest first."), ...errors(401, 403, 404) },
    }),
    requireUser("provider"),
    validate("param", endpointParam),
    async (c) => {
      const deliveries = await listWebhookDeliveries(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.json({ deliveries }, 200);
    },
  )
  .post(
    "/webhook-endpoints/:id/test",
    describeRoute({
      summary: "Send a test event",
      description: "Queues a `webhook.test` event to this endpoint only, signed like every other.",
      tags: ["Integrations"],
      responses: { 202: json("The queued delivery."), ...errors(401, 403, 404) },
    }),
    requireUser("provider"),
    validate("param", endpointParam),
    async (c) => {
      const delivery = await sendTestEvent(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.json({ delivery }, 202);
    },
  );
