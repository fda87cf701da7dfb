import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { buildCalendarFeed } from "../services/calendar";
import { listNotifications } from "../services/notifications";

/** /api/me/calendar.ics (the caller's lessons as iCalendar) and /api/me/notifications (their mailbox). */
export const notificationRoutes = new Hono<AppEnv>()
  .get("/calendar.ics", requireUser(), async (c) => {
    const ics = await buildCalendarFeed(c.get("deps"), currentUser(c));
    return c.body(ics, 200, {
      "content-type": "text/calendar; charset=utf-8",
      "content-disposition": 'inline; filename="lectern.ics"',
      "cache-control": "private, no-store",
    });
  })
  .get("/notifications", requireUser(), async (c) => {
    return c.json({ notifications: await listNotifications(c.get("deps"), currentUser(c).id) }, 200);
  });
