import { Hono } from "hono";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { rateLimit } from "../http/middleware/rate-limit";
import { id, idParam } from "../http/schemas";
import { validate } from "../http/validate";
import {
  bookSlot,
  cancelBooking,
  getBooking,
  getBookingPayment,
  listSlotBookings,
  liveAvailability,
  previewCancel,
} from "../services/bookings";
import { rescheduleBooking } from "../services/reschedule";
import { joinWaitlist, leaveWaitlist, listSlotWaitlist } from "../services/waitlist";

const bookingHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, "must be 1 to 255 printable ASCII characters")
    .optional(),
});

const bookingLimit = rateLimit(
  (env) => env.BOOKING_LIMITER,
  "booking",
  (c) => c.get("user")?.id ?? "anonymous",
);

/** POST /api/slots/:id/bookings, and the live seat count straight from the slot's object. */
export const slotBookingRoutes = new Hono<AppEnv>()
  .post(
    "/:id/bookings",
    requireUser("student"),
    bookingLimit,
    validate("param", idParam),
    validate("header", bookingHeaders),
    async (c) => {
      const key = c.req.valid("header")["idempotency-key"] ?? null;
      const { answer } = await bookSlot(c.get("deps"), currentUser(c), c.req.valid("param").id, key);
      return c.json(answer, 201);
    },
  )
  .get("/:id/bookings", requireUser("provider"), validate("param", idParam), async (c) => {
    return c.json(
      { bookings: await listSlotBookings(c.get("deps"), currentUser(c), c.req.valid("param").id) },
      200,
    );
  })
  .get("/:id/availability", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await liveAvailability(c.get("deps"), c.req.valid("param").id), 200);
  })
  .post("/:id/waitlist", requireUser("student"), validate("param", idParam), async (c) => {
    return c.json(await joinWaitlist(c.get("deps"), currentUser(c), c.req.valid("param").id), 201);
  })
  .delete("/:id/waitlist", requireUser("student"), validate("param", idParam), async (c) => {
    await leaveWaitlist(c.get("deps"), currentUser(c), c.req.valid("param").id);
    return c.body(null, 204);
  })
  .get("/:id/waitlist", requireUser("provider"), validate("param", idParam), async (c) => {
    return c.json(
      { entries: await listSlotWaitlist(c.get("deps"), currentUser(c), c.req.valid("param").id) },
      200,
    );
  });

/** /api/bookings/* */
export const bookingRoutes = new Hono<AppEnv>()
  .get("/:id", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await getBooking(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .get("/:id/payment", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await getBookingPayment(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post("/:id/cancel", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await cancelBooking(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .get("/:id/cancel-preview", requireUser(), validate("param", idParam), async (c) => {
    return c.json(await previewCancel(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
  })
  .post(
    "/:id/reschedule",
    requireUser(),
    validate("param", idParam),
    validate("json", z.object({ slotId: id })),
    async (c) => {
      const booking = await rescheduleBooking(
        c.get("deps"),
        currentUser(c),
        c.req.valid("param").id,
        c.req.valid("json").slotId,
      );
      return c.json({ booking }, 200);
    },
  );
