import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { errors, json, noContent, rtcSchema, sessionSchema } from "../http/openapi";
import { idParam } from "../http/schemas";
import { validate } from "../http/validate";
import {
  cancelSession,
  endSession,
  getSession,
  joinSession,
  leaveSession,
  listAttendance,
  startSession,
} from "../services/sessions";

const TAGS = ["Sessions"];

export const sessionRoutes = new Hono<AppEnv>()
  .get(
    "/:id",
    describeRoute({
      summary: "A teaching session",
      description: "For its provider and participants.",
      tags: TAGS,
      responses: { 200: json("The session.", sessionSchema), ...errors(400, 401, 403, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await getSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/start",
    describeRoute({
      summary: "Start a session",
      description: "For its provider, from 60 minutes before the slot starts until it ends.",
      tags: TAGS,
      responses: {
        200: json("The session, IN_PROGRESS.", sessionSchema),
        ...errors(400, 401, 403, 404, "SESSION_TOO_EARLY", "SESSION_ALREADY_STARTED", "SESSION_ENDED"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await startSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/end",
    describeRoute({
      summary: "End a session",
      description: "For its provider: COMPLETED, and each participant's attendance is sealed.",
      tags: TAGS,
      responses: {
        200: json("The session, COMPLETED.", sessionSchema),
        ...errors(400, 401, 403, 404, "SESSION_NOT_STARTED", "SESSION_ENDED"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await endSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/cancel",
    describeRoute({
      summary: "Cancel a session",
      description:
        "For its provider, before it starts: CANCELLED, and every paid participant refunded in full.",
      tags: TAGS,
      responses: {
        200: json("The session, CANCELLED.", sessionSchema),
        ...errors(400, 401, 403, 404, "SESSION_ALREADY_STARTED", "SESSION_ENDED"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await cancelSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/join",
    describeRoute({
      summary: "Join a session's video",
      description: "For its provider and confirmed participants while it runs: Agora RTC credentials.",
      tags: TAGS,
      responses: {
        200: json("Agora RTC credentials.", rtcSchema),
        ...errors(400, 401, 403, 404, "SESSION_NOT_STARTED", "SESSION_ENDED"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await joinSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/leave",
    describeRoute({
      summary: "Leave a session's video",
      description: "Records when the caller left (attendance).",
      tags: TAGS,
      responses: { 204: noContent, ...errors(400, 401, 403, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      await leaveSession(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .get(
    "/:id/attendance",
    describeRoute({
      summary: "A session's attendance",
      description: "For its provider: who joined and left when.",
      tags: TAGS,
      responses: {
        200: json("`{entries: [{userId, joinedAt, leftAt}]}`"),
        ...errors(400, 401, 403, 404),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(
        { entries: await listAttendance(c.get("deps"), currentUser(c), c.req.valid("param").id) },
        200,
      );
    },
  );
