import { Hono } from "hono";
import type { AppEnv } from "../http/context";

/** /api/me/calendar.ics and /api/me/notifications (being built). */
export const notificationRoutes = new Hono<AppEnv>();
