import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { errors, json, noContent } from "../http/openapi";
import { durationMinutes, idParam, localDate, seats, sessionType, timeZone } from "../http/schemas";
import { validate } from "../http/validate";
import { createPattern, deletePattern, listPatterns, previewPattern } from "../services/patterns";

const weeklyStart = z.object({
  weekday: z
    .number()
    .int()
    .min(1, "must be 1 (Monday) to 7 (Sunday)")
    .max(7, "must be 1 (Monday) to 7 (Sunday)"),
  startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time HH:mm"),
});

const createBody = z
  .object({
    timezone: timeZone,
    weekly: z
      .array(weeklyStart)
      .min(1, "needs at least one weekly start")
      .max(50, "allows at most 50 weekly starts")
      .refine(
        (list) => new Set(list.map((w) => `${w.weekday} ${w.startTime}`)).size === list.length,
        "has the same weekday and time twice",
      ),
    durationMinutes,
    sessionType,
    maxParticipants: seats.optional(),
    startsOn: localDate.optional(),
    endsOn: localDate.optional(),
  })
  .refine((body) => !body.startsOn || !body.endsOn || body.startsOn <= body.endsOn, {
    message: "endsOn must not be before startsOn",
    path: ["endsOn"],
  });

const TAGS = ["Availability patterns"];

export const patternRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute({
      summary: "Create a weekly pattern",
      description:
        "Wall-clock weekly starts in the pattern's time zone, filled with slots from `startsOn` (default: now) to the end of the 28-day window or `endsOn`. Starts that clash with existing slots or fall in a DST gap are listed in `skipped`.",
      tags: TAGS,
      responses: {
        201: json("`{pattern, createdSlots: Slot[], skipped: [{startsAt, reason}]}`"),
        ...errors(400, 401, 403),
      },
    }),
    requireUser("provider"),
    validate("json", createBody),
    async (c) => {
      const result = await createPattern(c.get("deps"), currentUser(c), c.req.valid("json"));
      return c.json(result, 201);
    },
  )
  .post(
    "/preview",
    describeRoute({
      summary: "Preview a weekly pattern",
      description: "The slots a pattern would create and the starts it would skip; nothing is stored.",
      tags: TAGS,
      responses: {
        200: json("`{slots: [{startsAt, endsAt}], skipped: [{startsAt, reason}]}`"),
        ...errors(400, 401, 403),
      },
    }),
    requireUser("provider"),
    validate("json", createBody),
    async (c) => {
      return c.json(await previewPattern(c.get("deps"), currentUser(c), c.req.valid("json")), 200);
    },
  )
  .get(
    "/",
    describeRoute({
      summary: "My weekly patterns",
      tags: TAGS,
      responses: { 200: json("`{patterns}`"), ...errors(401, 403) },
    }),
    requireUser("provider"),
    async (c) => {
      return c.json({ patterns: await listPatterns(c.get("deps"), currentUser(c).id) }, 200);
    },
  )
  .delete(
    "/:id",
    describeRoute({
      summary: "Delete a weekly pattern",
      description: "Its future unbooked slots go too.",
      tags: TAGS,
      responses: { 204: noContent, ...errors(400, 401, 403, 404) },
    }),
    requireUser("provider"),
    validate("param", idParam),
    async (c) => {
      await deletePattern(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
