import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { buildDeps } from "./deps";
import type { AppEnv } from "./http/context";
import { handleError, handleNotFound } from "./http/errors";
import { authenticate } from "./http/middleware/auth";
import { limitBody } from "./http/middleware/body-limit";
import { apiDocRoutes, type DocumentedApp } from "./http/openapi";
import { authRoutes } from "./routes/auth";
import { bookingRoutes, slotBookingRoutes } from "./routes/bookings";
import { calendarFeedRoutes, calendarPublicRoutes } from "./routes/calendar-feed";
import { configRoutes } from "./routes/config";
import { conversationRoutes, meUnreadRoutes } from "./routes/conversations";
import { devRoutes } from "./routes/dev";
import { liveRoutes } from "./routes/live";
import { meRoutes } from "./routes/me";
import { notificationRoutes } from "./routes/notifications";
import { patternRoutes } from "./routes/patterns";
import { payoutRoutes } from "./routes/payouts";
import { providerRoutes } from "./routes/providers";
import { sessionRoutes } from "./routes/sessions";
import { slotRoutes } from "./routes/slots";
import { webhookEndpointRoutes } from "./routes/webhook-endpoints";
import { webhookRoutes } from "./routes/webhooks";
import { TUTOR_LIMITS } from "./shared/tutor-types";

const MAX_BODY_BYTES = 64 * 1024;
const PHOTO_PATH = "/api/me/provider-profile/photo";
const defaultBodyLimit = limitBody(MAX_BODY_BYTES);
// A profile photo may be larger than any JSON body (its route checks type and size itself).
const photoBodyLimit = limitBody(TUTOR_LIMITS.photoBytes);

export function createApp() {
  const api = new Hono<AppEnv>()
    .use(secureHeaders())
    .use((c, next) =>
      c.req.method === "PUT" && c.req.path === PHOTO_PATH
        ? photoBodyLimit(c, next)
        : defaultBodyLimit(c, next),
    )
    .use(async (c, next) => {
      c.set("deps", buildDeps(c.env));
      await next();
    })
    .use(authenticate())
    .get("/health", (c) => c.json({ ok: true }, 200))
    .route("/config", configRoutes)
    .route("/auth", authRoutes)
    .route("/me", meRoutes)
    .route("/me", notificationRoutes)
    .route("/me", meUnreadRoutes)
    .route("/me", payoutRoutes)
    .route("/me", webhookEndpointRoutes)
    .route("/me", calendarFeedRoutes)
    .route("/calendar", calendarPublicRoutes)
    .route("/providers", providerRoutes)
    .route("/slots", slotRoutes)
    .route("/slots", slotBookingRoutes)
    .route("/slots", liveRoutes)
    .route("/sessions", sessionRoutes)
    .route("/bookings", bookingRoutes)
    .route("/conversations", conversationRoutes)
    .route("/webhooks", webhookRoutes)
    .route("/dev", devRoutes)
    .route("/availability-patterns", patternRoutes)
    // GET /api/openapi.json and /api/docs, documenting this sub-app (read on first request).
    .route(
      "/",
      apiDocRoutes((): DocumentedApp => api),
    );

  api.onError(handleError);

  const app = new Hono<AppEnv>()
    .route("/api", api)
    .all("/api/*", handleNotFound)
    // Everything else is the SPA: static files, with index.html for unknown paths.
    .all("*", (c) => c.env.ASSETS.fetch(c.req.raw));
  app.onError(handleError);
  return app;
}

export type AppType = ReturnType<typeof createApp>;
