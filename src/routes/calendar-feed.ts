import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { errors, json, PUBLIC } from "../http/openapi";
import { openCalendarFeed, readCalendarFeed } from "../services/calendar-feed";

/** POST /api/me/calendar-feed: a new secret feed URL (the old one stops working). */
export const calendarFeedRoutes = new Hono<AppEnv>().post(
  "/calendar-feed",
  describeRoute({
    summary: "Create or replace the secret calendar feed",
    description:
      "Answers a secret URL calendar apps can subscribe to without a cookie; a new POST replaces it.",
    tags: ["Calendar"],
    responses: { 201: json("The secret feed URL."), ...errors(401) },
  }),
  requireUser(),
  async (c) => c.json(await openCalendarFeed(c.get("deps"), currentUser(c)), 201),
);

/** GET /api/calendar/<token>.ics: the feed itself, found by the token alone. */
export const calendarPublicRoutes = new Hono<AppEnv>().get(
  "/:file",
  describeRoute({
    summary: "A subscribed calendar feed",
    description: "The person's lessons as iCalendar, found by the secret token in the URL (no cookie).",
    tags: ["Calendar"],
    security: PUBLIC,
    responses: {
      200: {
        description: "The feed (text/calendar).",
        content: { "text/calendar": { schema: { type: "string" } } },
      },
      ...errors(404),
    },
  }),
  async (c) => {
    const body = await readCalendarFeed(c.get("deps"), c.req.param("file"));
    return c.body(body, 200, {
      "content-type": "text/calendar; charset=utf-8",
      "cache-control": "private, max-age=300",
    });
  },
);
