import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { isOwnOrigin, readToken } from "../http/middleware/auth";
import { errors, upgrade } from "../http/openapi";
import { idParam } from "../http/schemas";
import { validate } from "../http/validate";
import { openLiveRoom } from "../services/live-room";

/**
 * GET /api/slots/:id/ws: the slot's live room. Authenticated (Bearer, cookie or ?token=) and
 * authorized (the provider or a confirmed student) before the upgrade reaches the object.
 */
export const liveRoutes = new Hono<AppEnv>().get(
  "/:id/ws",
  describeRoute({
    summary: "The slot's live room (WebSocket)",
    description:
      "For the slot's provider and its confirmed students: chat, presence, seat and session events. A browser's Origin must be the app's own.",
    tags: ["Live"],
    ...upgrade,
    responses: { ...upgrade.responses, ...errors(400, 401, 403, 404) },
  }),
  validate("param", idParam),
  async (c) => {
    const origin = c.req.header("origin");
    if (origin && !isOwnOrigin(c, origin)) {
      throw new AppError("FORBIDDEN", "WebSocket connections are only accepted from this app's own pages.");
    }
    const user = c.get("user");
    const upgraded = await openLiveRoom(
      c.get("deps"),
      c.req.valid("param").id,
      { user, token: user ? readToken(c)?.token : undefined, queryToken: c.req.query("token") },
      c.req.raw,
    );
    // A fresh Response: the object's is immutable, and the app's middleware adds headers.
    return new Response(null, {
      status: upgraded.status,
      webSocket: upgraded.webSocket,
      headers: upgraded.headers,
    });
  },
);
