import { Scalar } from "@scalar/hono-api-reference";
import { Hono, type Schema } from "hono";
import {
  type DescribeRouteOptions,
  describeRoute,
  type GenerateSpecOptions,
  generateSpecs,
  resolver,
} from "hono-openapi";
import { type ZodType, z } from "zod";
import type { ErrorCode } from "../domain/errors";
import type {
  Booking,
  BookingAnswer,
  CancellationPolicy,
  CancelPreview,
  Earnings,
  LiveAvailability,
  PayoutAccountAnswer,
  RtcCredentials,
  Session,
  Slot,
  User,
} from "../shared/api-types";
import type { AppEnv } from "./context";
import { statusFor } from "./errors";
import { SESSION_COOKIE } from "./middleware/auth";

const DOCUMENT_PATH = "/api/openapi.json";

type Responses = NonNullable<DescribeRouteOptions["responses"]>;
type ResponseDoc = Responses[string];

// ---- Error answers -------------------------------------------------------------------------------

/** What each code means, for the responses' descriptions (exhaustive: a new code must be described). */
const MEANING: Record<ErrorCode, string> = {
  VALIDATION_FAILED: "the body, query, path or a header does not fit the schema (`details` lists each field)",
  INVALID_SIGNATURE: "the Stripe-Signature header does not match the body",
  UNAUTHENTICATED: "no valid session: send a Bearer token or the session cookie",
  INVALID_CREDENTIALS: "wrong email or password",
  FORBIDDEN: "the caller may not do this (role, ownership, or a cross-site request with the cookie)",
  NOT_FOUND: "no such resource, or not one the caller may see",
  EMAIL_TAKEN: "an account with this email exists",
  SLOT_IN_PAST: "the start has passed",
  SLOT_BEYOND_WINDOW: "the start is more than 28 days ahead",
  SLOT_OVERLAP: "the provider has another slot at that time",
  SLOT_HAS_BOOKINGS: "the slot has bookings, so it cannot change",
  SLOT_FULL: "no seat left",
  ALREADY_BOOKED: "the student already holds or has a seat there",
  SLOT_NOT_BOOKABLE: "the slot is cancelled, started or past",
  BOOKING_NOT_ACTIVE: "the booking is not in a state that allows this",
  TOO_MANY_HOLDS: "the student already holds 3 unpaid bookings",
  SLOT_NOT_FULL: "a seat is free: book it instead",
  ALREADY_WAITLISTED: "the student is already on the waitlist",
  RESCHEDULE_TOO_LATE: "less notice left than the policy's rescheduleMinNoticeHours",
  RESCHEDULE_NOT_ALLOWED: "the target slot has another provider or session type",
  RESCHEDULE_PRICE_HIGHER: "the target slot costs more",
  SESSION_NOT_STARTED: "the session has not started",
  SESSION_ALREADY_STARTED: "the session (or the slot's start) has already begun",
  SESSION_ENDED: "the session is over",
  SESSION_TOO_EARLY: "more than 60 minutes before the slot's start",
  RATE_LIMITED: "too many requests: wait and try again",
  PAYMENT_PROVIDER_ERROR: "Stripe did not answer as expected; nothing was kept",
  INTERNAL: "an unexpected failure; nothing was changed",
};

/** A status alone stands for its general code; 409s are always named by their codes. */
const GENERAL: Record<400 | 401 | 403 | 404 | 429 | 502, ErrorCode> = {
  400: "VALIDATION_FAILED",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  429: "RATE_LIMITED",
  502: "PAYMENT_PROVIDER_ERROR",
};

const ERROR_CONTENT = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };

/**
 * The error answers of a route, grouped by status as `statusFor` maps them, e.g.
 * `errors(400, 401, "SLOT_FULL", "ALREADY_BOOKED")` → 400, 401 and one 409 naming both codes.
 */
export function errors(...answers: (keyof typeof GENERAL | ErrorCode)[]): Responses {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const answer of answers) {
    const code = typeof answer === "number" ? GENERAL[answer] : answer;
    const status = statusFor(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Responses = {};
  for (const [status, codes] of byStatus) {
    responses[status] = {
      description: codes.map((code) => `\`${code}\`: ${MEANING[code]}.`).join(" "),
      content: ERROR_CONTENT,
    };
  }
  return responses;
}

/** A JSON answer, with the zod schema of its body where the docs have one. */
export function json(description: string, schema?: ZodType): ResponseDoc {
  return {
    description,
    content: { "application/json": { schema: schema ? resolver(schema) : { type: "object" } } },
  };
}

export const noContent: ResponseDoc = { description: "Done; no body." };

/**
 * A WebSocket upgrade: a GET with `Upgrade: websocket` answered 101. Browsers cannot set headers
 * on an upgrade, so the token may also come as `?token=`.
 */
export const upgrade = {
  parameters: [
    { in: "header", name: "upgrade", required: true, schema: { type: "string", enum: ["websocket"] } },
    {
      in: "query",
      name: "token",
      required: false,
      schema: { type: "string" },
      description: "A session token, instead of the Authorization header or the cookie.",
    },
  ],
  responses: { 101: { description: "Switching Protocols: the connection is now a WebSocket." } },
} satisfies Pick<DescribeRouteOptions, "parameters" | "responses">;

/** A route anyone may call (the document's default is "signed in"). */
export const PUBLIC: DescribeRouteOptions["security"] = [];

// ---- Answer schemas for the main shapes ----------------------------------------------------------
// Typed against src/shared/api-types.ts: a field added or retyped there fails to compile here.

const instant = z.string().meta({ format: "date-time", examples: ["2026-12-01T09:00:00Z"] });
/** JSON Schema's integer, without the safe-integer bounds that z.int() prints on every field. */
const int = () => z.number().meta({ type: "integer" });

const money = z.object({ amount: int(), currency: z.string() }).meta({ id: "Money" });

const policy: ZodType<CancellationPolicy> = z
  .object({
    tiers: z.array(z.object({ minNoticeHours: int(), refundPercent: int() })),
    rescheduleMinNoticeHours: int(),
  })
  .meta({ id: "CancellationPolicy" });

export const userSchema: ZodType<User> = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(["provider", "student"]),
    timezone: z.string(),
    locale: z.string(),
  })
  .meta({ id: "User" });

export const signedInSchema = z.object({ user: userSchema, token: z.string() });

export const slotSchema: ZodType<Slot> = z
  .object({
    id: z.string(),
    providerId: z.string(),
    startsAt: instant,
    endsAt: instant,
    durationMinutes: int(),
    sessionType: z.enum(["ONE_TO_ONE", "GROUP"]),
    maxParticipants: int(),
    seatsTaken: int(),
    seatsLeft: int(),
    price: money,
    status: z.enum(["OPEN", "FULL", "CANCELLED", "IN_PROGRESS", "COMPLETED"]),
    patternId: z.string().optional(),
  })
  .meta({ id: "Slot" });

export const bookingSchema: ZodType<Booking> = z
  .object({
    id: z.string(),
    slotId: z.string(),
    studentId: z.string(),
    status: z.enum(["PENDING_PAYMENT", "CONFIRMED", "EXPIRED", "CANCELLED"]),
    amount: int(),
    currency: z.string(),
    holdExpiresAt: instant,
    paymentIntentId: z.string().nullable(),
    lastPaymentError: z.string().optional(),
    sessionId: z.string().optional(),
    paymentStatus: z.enum([
      "REQUIRES_PAYMENT",
      "AUTHORIZED",
      "SUCCEEDED",
      "CANCELED",
      "REFUND_PENDING",
      "PARTIALLY_REFUNDED",
      "REFUNDED",
      "REFUND_FAILED",
    ]),
    amountRefunded: int(),
    cancellationPolicy: policy,
    rescheduledFrom: z.string().optional(),
    rescheduledTo: z.string().optional(),
    cancelledBy: z.enum(["STUDENT", "PROVIDER", "PROVIDER_NO_SHOW", "RESCHEDULE", "SYSTEM"]).optional(),
  })
  .meta({ id: "Booking" });

export const paymentSchema = z.object({
  paymentIntentId: z.string().nullable(),
  clientSecret: z.string().nullable(),
});

export const bookingAnswerSchema: ZodType<BookingAnswer> = z.object({
  booking: bookingSchema,
  payment: paymentSchema,
});

export const cancelPreviewSchema: ZodType<CancelPreview> = z.object({
  refundAmount: int(),
  refundPercent: int(),
});

export const availabilitySchema: ZodType<LiveAvailability> = z.object({
  slotId: z.string(),
  seatsTaken: int(),
  seatsLeft: int(),
});

export const sessionSchema: ZodType<Session> = z
  .object({
    id: z.string(),
    slotId: z.string(),
    providerId: z.string(),
    status: z.enum(["SCHEDULED", "IN_PROGRESS", "COMPLETED", "CANCELLED"]),
    channelName: z.string(),
    startedAt: instant.optional(),
    endedAt: instant.optional(),
    participants: z.array(
      z.object({
        userId: z.string(),
        status: z.enum(["CONFIRMED", "CANCELLED"]),
        attendance: z.enum(["ATTENDED", "NO_SHOW"]).optional(),
      }),
    ),
    cancelReason: z.literal("PROVIDER_NO_SHOW").optional(),
    startsAt: instant,
    endsAt: instant,
  })
  .meta({ id: "Session" });

export const rtcSchema: ZodType<RtcCredentials> = z.object({
  appId: z.string(),
  channelName: z.string(),
  uid: int(),
  token: z.string(),
  expiresAt: instant,
});

const payoutAccount = z
  .object({
    id: z.string(),
    chargesEnabled: z.boolean(),
    payoutsEnabled: z.boolean(),
    detailsSubmitted: z.boolean(),
  })
  .meta({ id: "PayoutAccount" });

export const payoutAccountAnswerSchema: ZodType<PayoutAccountAnswer> = z.object({
  account: payoutAccount,
  onboardingUrl: z.string(),
});

export const earningsSchema: ZodType<Earnings> = z.object({
  account: payoutAccount.nullable(),
  totals: z.array(
    z.object({
      currency: z.string(),
      scheduled: int(),
      paid: int(),
      reversed: int(),
      platformFees: int(),
    }),
  ),
  payouts: z.array(
    z
      .object({
        bookingId: z.string(),
        amount: int(),
        platformFee: int(),
        status: z.enum(["SCHEDULED", "PAID", "PARTIALLY_REVERSED", "REVERSED"]),
        transferId: z.string().optional(),
        availableAt: instant,
        currency: z.string(),
        captured: int(),
        refunded: int(),
        amountReversed: int(),
        paidAt: instant.optional(),
        slotId: z.string(),
        sessionId: z.string(),
        lessonStartsAt: instant,
        lessonEndsAt: instant,
        studentName: z.string(),
        waitingFor: z.enum(["DUE_DATE", "ACCOUNT", "PENDING_REFUND", "RETRY"]).optional(),
      })
      .meta({ id: "Payout" }),
  ),
});

// ---- The document --------------------------------------------------------------------------------

const DOCUMENTATION: GenerateSpecOptions["documentation"] = {
  info: {
    title: "Lectern API",
    version: "2",
    description: [
      "Book lessons with tutors: slots, bookings paid through Stripe, live sessions, chat and payouts.",
      "JSON in and out; timestamps are ISO 8601 UTC; money is an integer in the currency's minor unit.",
      'Every error is `{"error": {"code", "message", "details"?}}`; each operation lists its codes.',
      "Request bodies over 64 KB are refused with 400 `VALIDATION_FAILED`.",
    ].join("\n\n"),
  },
  servers: [{ url: "/" }],
  security: [{ bearerToken: [] }, { sessionCookie: [] }],
  components: {
    securitySchemes: {
      bearerToken: {
        type: "http",
        scheme: "bearer",
        description: "The `token` that register and login answer, as `Authorization: Bearer <token>`.",
      },
      sessionCookie: {
        type: "apiKey",
        in: "cookie",
        name: SESSION_COOKIE,
        description: "The HttpOnly cookie that register and login set (unsafe methods: same origin only).",
      },
    },
    schemas: {
      Error: {
        type: "object",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: { type: "string", description: "UPPER_SNAKE; the response's description lists them." },
              message: { type: "string", description: "A sentence for people." },
              details: {
                description: "For VALIDATION_FAILED: `[{path, message}]`, one per field issue.",
              },
            },
          },
        },
      },
    },
  },
  // Routes written in src/app.ts itself.
  paths: {
    "/api/health": {
      get: {
        operationId: "getApiHealth",
        summary: "Health check",
        description: "Answers `{ok: true}` while the worker runs.",
        tags: ["Meta"],
        security: [],
        responses: { 200: { description: "The worker is up." } },
      },
    },
  },
};

/** An app whose routes are documented with describeRoute and validate (the /api sub-app). */
export type DocumentedApp = Hono<AppEnv, Schema, string>;

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;

/** The OpenAPI 3.1 document of `app`'s routes, as mounted under `prefix`. */
export async function openApiDocument(app: DocumentedApp, prefix = "/api") {
  const document = await generateSpecs(new Hono<AppEnv>().route(prefix, app), {
    documentation: DOCUMENTATION,
    // calendar.ics and earnings.csv are routes, not static files.
    excludeStaticFile: false,
    defaultValidationErrorResponse: {
      description: `\`VALIDATION_FAILED\`: ${MEANING.VALIDATION_FAILED}.`,
      content: ERROR_CONTENT,
    },
  });
  // A route described without `responses` gets `{}` from hono-openapi (a validator-only one
  // `{200: {}}`); OpenAPI needs at least one response, each with a description.
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      if (Object.keys(operation.responses ?? {}).length === 0) {
        operation.responses = { default: { description: "The route does not document its answers yet." } };
      }
      for (const response of Object.values(operation.responses ?? {})) {
        if (!("$ref" in response) && !response.description) response.description = "Success.";
      }
    }
  }
  return document;
}

/**
 * GET /openapi.json and GET /docs (the reference page, loading Scalar from its CDN). `documented`
 * is read on the first request: the app it returns is still being built when these routes are.
 */
export function apiDocRoutes(documented: () => DocumentedApp) {
  let document: ReturnType<typeof openApiDocument> | undefined;
  return new Hono<AppEnv>()
    .get(
      "/openapi.json",
      describeRoute({
        summary: "This OpenAPI document",
        description: "Generated from the same zod schemas that validate requests.",
        tags: ["Meta"],
        security: PUBLIC,
        responses: { 200: json("An OpenAPI 3.1 document.") },
      }),
      async (c) => {
        document ??= openApiDocument(documented()).catch((error: unknown) => {
          document = undefined;
          throw error;
        });
        // Plain JSON for the typed client: the document's own type is not part of the API.
        return c.json((await document) as Record<string, unknown>, 200);
      },
    )
    .get(
      "/docs",
      describeRoute({
        summary: "API reference page",
        description: "A readable reference of this document (Scalar).",
        tags: ["Meta"],
        security: PUBLIC,
        responses: { 200: { description: "An HTML page.", content: { "text/html": {} } } },
      }),
      Scalar({ url: DOCUMENT_PATH, pageTitle: "Lectern API" }),
    );
}
