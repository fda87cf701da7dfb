import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { errors, json, noContent, slotSchema } from "../http/openapi";
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

const TAGS = ["Slots"];
const TIME_CONFLICTS = ["SLOT_IN_PAST", "SLOT_BEYOND_WINDOW", "SLOT_OVERLAP"] as const;

export const slotRoutes = new Hono<AppEnv>()
  .post(
    "/",
    describeRoute({
      summary: "Offer a slot",
      description:
        "For a provider with a profile: a lesson time, priced from the hourly rate (per participant). ONE_TO_ONE has 1 seat; GROUP 2..20. Starts from now up to 28 days ahead; a provider's slots never overlap.",
      tags: TAGS,
      responses: {
        201: json("The new slot.", slotSchema),
        ...errors(400, 401, 403, ...TIME_CONFLICTS),
      },
    }),
    requireUser("provider"),
    validate("json", createBody),
    async (c) => {
      const slot = await createSlot(c.get("deps"), currentUser(c).id, c.req.valid("json"));
      return c.json(slot, 201);
    },
  )
  .get(
    "/",
    describeRoute({
      summary: "List slots",
      description: "Sorted by start; filter by provider and time range.",
      tags: TAGS,
      responses: {
        200: json("`{slots}`", z.object({ slots: z.array(slotSchema) })),
        ...errors(400, 401),
      },
    }),
    requireUser(),
    validate("query", listQuery),
    async (c) => {
      return c.json({ slots: await listSlots(c.get("deps"), c.req.valid("query")) }, 200);
    },
  )
  .get(
    "/:id",
    describeRoute({
      summary: "A slot",
      tags: TAGS,
      responses: { 200: json("The slot.", slotSchema), ...errors(400, 401, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(toSlot(await findSlotRow(c.get("deps"), c.req.valid("param").id)), 200);
    },
  )
  .patch(
    "/:id",
    describeRoute({
      summary: "Change a slot",
      description: "For its provider, while it has no bookings: any of the create fields.",
      tags: TAGS,
      responses: {
        200: json("The changed slot.", slotSchema),
        ...errors(400, 401, 403, 404, ...TIME_CONFLICTS, "SLOT_HAS_BOOKINGS", "SLOT_NOT_BOOKABLE"),
      },
    }),
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
  .delete(
    "/:id",
    describeRoute({
      summary: "Delete a slot",
      description: "For its provider, while it has no bookings.",
      tags: TAGS,
      responses: { 204: noContent, ...errors(400, 401, 403, 404, "SLOT_HAS_BOOKINGS") },
    }),
    requireUser("provider"),
    validate("param", idParam),
    async (c) => {
      await deleteSlot(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
