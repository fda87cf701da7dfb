import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
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

export const sessionRoutes = new Hono<AppEnv>()
  .get("/:id", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await getSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post("/:id/start", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await startSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post("/:id/end", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await endSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post("/:id/cancel", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await cancelSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post("/:id/join", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await joinSession(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post("/:id/leave", requireUser(), validate("param", idParam), async (c) => {
    await leaveSession(c.get("deps"), currentUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .get("/:id/attendance", requireUser(), validate("param", idParam), async (c) => {
    return c.json(
      { entries: await listAttendance(c.get("deps"), currentUser(c), c.req.valid("param").id) },
      200,
    );
  });
