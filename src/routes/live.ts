import { and, eq } from "drizzle-orm";
import { Hono } from "hono";
import { slotObject } from "../adapters/slot-client";
import { bookings } from "../db/schema";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { isOwnOrigin, readToken } from "../http/middleware/auth";
import { idParam } from "../http/schemas";
import { validate } from "../http/validate";
import { hashSessionToken } from "../security/session-token";
import { findUserBySessionToken } from "../services/accounts";
import { rememberLiveConnection } from "../services/live-connections";
import { findSlotRow, toSlot } from "../services/slots";
import { ROOM_HEADERS } from "../shared/protocol";

/**
 * GET /api/slots/:id/ws: the slot's live room. Authenticated (Bearer, cookie or ?token=) and
 * authorized (the provider or a confirmed student) before the upgrade reaches the object.
 */
export const liveRoutes = new Hono<AppEnv>().get("/:id/ws", validate("param", idParam), async (c) => {
  const origin = c.req.header("origin");
  if (origin && !isOwnOrigin(c, origin)) {
    throw new AppError("FORBIDDEN", "WebSocket connections are only accepted from this app's own pages.");
  }
  const deps = c.get("deps");
  let user = c.get("user");
  const queryToken = c.req.query("token");
  let token = user ? readToken(c)?.token : undefined;
  if (!user && queryToken && queryToken.length <= 200) {
    user = await findUserBySessionToken(deps, queryToken);
    token = queryToken;
  }
  if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first: pass ?token= or the session cookie.");

  const slot = await findSlotRow(deps, c.req.valid("param").id);
  if (slot.providerId !== user.id) {
    const confirmed = await deps.db.query.bookings.findFirst({
      where: and(
        eq(bookings.slotId, slot.id),
        eq(bookings.studentId, user.id),
        eq(bookings.status, "CONFIRMED"),
      ),
    });
    if (!confirmed)
      throw new AppError("FORBIDDEN", "Only the provider and confirmed students may join this room.");
  }
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new AppError("VALIDATION_FAILED", "This endpoint expects a WebSocket upgrade.");
  }
  const headers = new Headers(c.req.raw.headers);
  if (token) {
    const tokenHash = await hashSessionToken(token);
    await rememberLiveConnection(deps, tokenHash, slot.id);
    headers.set(ROOM_HEADERS.session, tokenHash);
  }
  headers.set(ROOM_HEADERS.userId, user.id);
  headers.set(ROOM_HEADERS.name, encodeURIComponent(user.name));
  headers.set(ROOM_HEADERS.slotId, slot.id);
  headers.set(ROOM_HEADERS.capacity, String(slot.maxParticipants));
  headers.set(ROOM_HEADERS.status, toSlot(slot).status === "FULL" ? "OPEN" : slot.status);
  const upgraded = await slotObject(c.env, slot.id).fetch(
    new Request("https://slot.internal/ws", { headers }),
  );
  // A fresh Response: the object's is immutable, and the app's middleware adds headers.
  return new Response(null, {
    status: upgraded.status,
    webSocket: upgraded.webSocket,
    headers: upgraded.headers,
  });
});
