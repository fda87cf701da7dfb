import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { errors, json } from "../http/openapi";
import { buildCalendarFeed } from "../services/calendar";
import { listNotifications } from "../services/notifications";

/** /api/me/calendar.ics (the caller's lessons as iCalendar) and /api/me/notifications (their mailbox). */
export const notificationRoutes = new Hono<AppEnv>()
  .get(
    "/calendar.ics",
    describeRoute({
      summary: "My lessons as iCalendar",
      description:
        "A download of the caller's lessons; for a subscription URL see POST /api/me/calendar-feed.",
      tags: ["Calendar"],
      responses: {
        200: {
          description: "An iCalendar file.",
          content: { "text/calendar": { schema: { type: "string" } } },
        },
        ...errors(401),
      },
    }),
    requireUser(),
    async (c) => {
      const ics = await buildCalendarFeed(c.get("deps"), currentUser(c));
      return c.body(ics, 200, {
        "content-type": "text/calendar; charset=utf-8",
        "content-disposition": 'inline; filename="lectern.ics"',
        "cache-control": "private, no-store",
      });
    },
  )
  .get(
    "/notifications",
    describeRoute({
      summary: "My mailbox",
      description: "Every email the user was sent, as sent, newest first.",
      tags: ["Notifications"],
      responses: {
        200: json("`{notifications: [{id, kind, subject, text, status, createdAt, sentAt}]}`"),
        ...errors(401),
      },
    }),
    requireUser(),
    async (c) => {
      return c.json({ notifications: await listNotifications(c.get("deps"), currentUser(c).id) }, 200);
    },
  );
