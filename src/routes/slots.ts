import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { durationMinutes, id, idParam, instant, seats, sessionType } from "../http/schemas";
import { validate } from "../http/validate";
import { createSlot, deleteSlot, findSlotRow, listSlots, toSlot, updateSlot } from "../services/slots";

const createBody = z.object({
  startsAt: instant,
  durationMinutes,
  sessionType,
  maxParticipants: seats.optional(),
});

const patchBody = createBody
  .partial()
  .refine(
    (body) => Object.keys(body).length > 0,
    "send at least one of startsAt, durationMinutes, sessionType, maxParticipants",
  );

const listQuery = z
  .object({ providerId: id.optional(), from: instant.optional(), to: instant.optional() })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    message: "from must not be after to",
    path: ["to"],
  });

export const slotRoutes = new Hono<AppEnv>()
  .post("/", requireUser("provider"), validate("json", createBody), async (c) => {
    const slot = await createSlot(c.get("deps"), currentUser(c).id, c.req.valid("json"));
    return c.json(slot, 201);
  })
  .get("/", requireUser(), validate("query", listQuery), async (c) => {
    return c.json({ slots: await listSlots(c.get("deps"), c.req.valid("query")) }, 200);
  })
  .get("/:id", requireUser(), validate("param", idParam), async (c) => {
    return c.json(toSlot(await findSlotRow(c.get("deps"), c.req.valid("param").id)), 200);
  })
  .patch(
    "/:id",
    requireUser("provider"),
    validate("param", idParam),
    validate("json", patchBody),
    async (c) => {
      const slot = await updateSlot(
        c.get("deps"),
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("json"),
      );
      return c.json(slot, 200);
    },
  )
  .delete("/:id", requireUser("provider"), validate("param", idParam), async (c) => {
    await deleteSlot(c.get("deps"), currentUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  });
