import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { rateLimit } from "../http/middleware/rate-limit";
import {
  availabilitySchema,
  bookingAnswerSchema,
  bookingSchema,
  cancelPreviewSchema,
  errors,
  json,
  noContent,
  paymentSchema,
} from "../http/openapi";
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
    describeRoute({
      summary: "Book a seat",
      description:
        "Holds a seat (PENDING_PAYMENT until `holdExpiresAt`) and creates a manual-capture PaymentIntent for the slot's price; pay with `payment.clientSecret`. A retry with the same `Idempotency-Key` answers the same booking.",
      tags: ["Bookings"],
      responses: {
        201: json("The held booking and how to pay for it.", bookingAnswerSchema),
        ...errors(
          400,
          401,
          403,
          404,
          429,
          502,
          "SLOT_FULL",
          "ALREADY_BOOKED",
          "SLOT_NOT_BOOKABLE",
          "TOO_MANY_HOLDS",
        ),
      },
    }),
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
  .get(
    "/:id/bookings",
    describeRoute({
      summary: "A slot's bookings",
      description: "For the slot's provider: every booking of the slot, with the student's name.",
      tags: ["Bookings"],
      responses: { 200: json("`{bookings}`"), ...errors(400, 401, 403, 404) },
    }),
    requireUser("provider"),
    validate("param", idParam),
    async (c) => {
      return c.json(
        { bookings: await listSlotBookings(c.get("deps"), currentUser(c), c.req.valid("param").id) },
        200,
      );
    },
  )
  .get(
    "/:id/availability",
    describeRoute({
      summary: "Live seat count",
      description: "Seats taken and left, straight from the slot's own object (holds included).",
      tags: ["Slots"],
      responses: { 200: json("The slot's seats.", availabilitySchema), ...errors(400, 401, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await liveAvailability(c.get("deps"), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/waitlist",
    describeRoute({
      summary: "Join a full slot's waitlist",
      description:
        "When a seat frees, the first waiting student is offered it until `offerExpiresAt` and takes it by booking.",
      tags: ["Waitlist"],
      responses: {
        201: json("The waitlist entry, with its position."),
        ...errors(
          400,
          401,
          403,
          404,
          "SLOT_NOT_FULL",
          "ALREADY_BOOKED",
          "ALREADY_WAITLISTED",
          "SLOT_NOT_BOOKABLE",
        ),
      },
    }),
    requireUser("student"),
    validate("param", idParam),
    async (c) => {
      return c.json(await joinWaitlist(c.get("deps"), currentUser(c), c.req.valid("param").id), 201);
    },
  )
  .delete(
    "/:id/waitlist",
    describeRoute({
      summary: "Leave a waitlist",
      tags: ["Waitlist"],
      responses: { 204: noContent, ...errors(400, 401, 403, 404) },
    }),
    requireUser("student"),
    validate("param", idParam),
    async (c) => {
      await leaveWaitlist(c.get("deps"), currentUser(c), c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .get(
    "/:id/waitlist",
    describeRoute({
      summary: "A slot's waitlist",
      description: "For the slot's provider: the entries in order, with the students' names.",
      tags: ["Waitlist"],
      responses: { 200: json("`{entries}`"), ...errors(400, 401, 403, 404) },
    }),
    requireUser("provider"),
    validate("param", idParam),
    async (c) => {
      return c.json(
        { entries: await listSlotWaitlist(c.get("deps"), currentUser(c), c.req.valid("param").id) },
        200,
      );
    },
  );

/** /api/bookings/* */
export const bookingRoutes = new Hono<AppEnv>()
  .get(
    "/:id",
    describeRoute({
      summary: "A booking",
      description: "For its student and the slot's provider.",
      tags: ["Bookings"],
      responses: { 200: json("The booking.", bookingSchema), ...errors(400, 401, 403, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await getBooking(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .get(
    "/:id/payment",
    describeRoute({
      summary: "Pay for a held booking",
      description:
        "For its student while PENDING_PAYMENT: the PaymentIntent to confirm, from any device or tab.",
      tags: ["Bookings"],
      responses: {
        200: json("The PaymentIntent and its client secret.", paymentSchema),
        ...errors(400, 401, 403, 404, "BOOKING_NOT_ACTIVE"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await getBookingPayment(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/cancel",
    describeRoute({
      summary: "Cancel a booking",
      description:
        "For its student, before the slot starts: a pending booking is released, a confirmed one refunded by the cancellation policy it was made under.",
      tags: ["Bookings"],
      responses: {
        200: json("The cancelled booking.", bookingSchema),
        ...errors(400, 401, 403, 404, "BOOKING_NOT_ACTIVE", "SESSION_ALREADY_STARTED"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await cancelBooking(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .get(
    "/:id/cancel-preview",
    describeRoute({
      summary: "What a cancellation would refund",
      description: "For its student: the refund the policy gives if the booking were cancelled now.",
      tags: ["Bookings"],
      responses: {
        200: json("The refund amount and percentage.", cancelPreviewSchema),
        ...errors(400, 401, 403, 404, "BOOKING_NOT_ACTIVE", "SESSION_ALREADY_STARTED"),
      },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await previewCancel(c.get("deps"), currentUser(c), c.req.valid("param").id), 200);
    },
  )
  .post(
    "/:id/reschedule",
    describeRoute({
      summary: "Move a booking to another slot",
      description:
        "For its student, booking CONFIRMED: moves the seat to another OPEN slot of the same provider and session type. Answers the new booking; the old one is CANCELLED with `rescheduledTo`. A cheaper target refunds the difference.",
      tags: ["Bookings"],
      responses: {
        200: json("`{booking}`: the new booking.", z.object({ booking: bookingSchema })),
        ...errors(
          400,
          401,
          403,
          404,
          "SLOT_FULL",
          "ALREADY_BOOKED",
          "SLOT_NOT_BOOKABLE",
          "RESCHEDULE_TOO_LATE",
          "RESCHEDULE_NOT_ALLOWED",
          "RESCHEDULE_PRICE_HIGHER",
          "BOOKING_NOT_ACTIVE",
        ),
      },
    }),
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
