import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../http/context";
import { json, PUBLIC } from "../http/openapi";
import { clientConfig } from "../services/client-config";

/** GET /api/config: what the browser needs to pay and to join video (nothing secret). */
export const configRoutes = new Hono<AppEnv>().get(
  "/",
  describeRoute({
    summary: "Client configuration",
    description:
      "What a browser needs to pay and to join video: the Stripe publishable key (or the local stand-in's URL) and the Agora app id. Nothing secret.",
    tags: ["Meta"],
    security: PUBLIC,
    responses: { 200: json("`{payments: {mode, publishableKey, standinUrl?}, video: {agoraAppId}}`") },
  }),
  (c) => c.json(clientConfig(c.get("deps")), 200),
);
