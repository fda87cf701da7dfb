import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import { AppError } from "../domain/errors";
import { CHARGE_CURRENCIES } from "../domain/money";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { bookingSchema, errors, json, sessionSchema, userSchema } from "../http/openapi";
import { cancellationPolicy, locale, personName, timeZone } from "../http/schemas";
import { validate } from "../http/validate";
import { getProviderProfile, saveProviderProfile, toProviderProfile, updateMe } from "../services/accounts";
import { listMyBookings } from "../services/bookings";
import { listMySessions } from "../services/sessions";
import { headline, languageList, subjectList } from "../services/tutor-fields";
import { readPhotoBody, removePhoto, replacePhoto } from "../services/tutor-photos";
import { listMyWaitlist } from "../services/waitlist";
import { MAX_BIO_CHARS } from "../shared/limits";

const profileBody = z.object({
  hourlyRate: z
    .number()
    .int()
    .min(1, "must be at least 1 minor unit")
    // An 8-hour slot must stay within Stripe's largest charge (99,999,999 minor units).
    .max(12_000_000, "must be at most 12000000 minor units"),
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO currency code such as usd")
    .transform((value) => value.toLowerCase())
    .refine((value) => CHARGE_CURRENCIES.has(value), "is not a currency Lectern can charge in"),
  bio: z.string().max(MAX_BIO_CHARS).optional(),
  cancellationPolicy: cancellationPolicy.optional(),
  // Left out: the stored value stays (as for the policy).
  headline: headline.optional(),
  subjects: subjectList.optional(),
  languages: languageList.optional(),
});

const meBody = z
  .object({
    name: personName.optional(),
    timezone: timeZone.optional(),
    locale: locale.optional(),
  })
  .refine(
    (body) => body.name !== undefined || body.timezone !== undefined || body.locale !== undefined,
    "send name, timezone and/or locale",
  );

const PROFILE_TAGS = ["Me"];
const IMAGE = { schema: { type: "string" as const, format: "binary" } };

export const meRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute({
      summary: "Who am I",
      tags: PROFILE_TAGS,
      responses: { 200: json("The signed-in user.", userSchema), ...errors(401) },
    }),
    requireUser(),
    (c) => c.json(currentUser(c), 200),
  )
  .patch(
    "/",
    describeRoute({
      summary: "Change my name, time zone or locale",
      tags: PROFILE_TAGS,
      responses: { 200: json("The updated user.", userSchema), ...errors(400, 401, 403) },
    }),
    requireUser(),
    validate("json", meBody),
    async (c) => {
      return c.json(await updateMe(c.get("deps"), currentUser(c), c.req.valid("json")), 200);
    },
  )
  .get(
    "/bookings",
    describeRoute({
      summary: "My bookings",
      description: "A student's own bookings, in every state.",
      tags: ["Bookings"],
      responses: {
        200: json("`{bookings}`", z.object({ bookings: z.array(bookingSchema) })),
        ...errors(401),
      },
    }),
    requireUser(),
    async (c) => {
      return c.json({ bookings: await listMyBookings(c.get("deps"), currentUser(c)) }, 200);
    },
  )
  .get(
    "/waitlist",
    describeRoute({
      summary: "My waitlist entries",
      description: "Including open offers (`offerExpiresAt`).",
      tags: ["Waitlist"],
      responses: { 200: json("`{entries}`"), ...errors(401, 403) },
    }),
    requireUser("student"),
    async (c) => {
      return c.json({ entries: await listMyWaitlist(c.get("deps"), currentUser(c)) }, 200);
    },
  )
  .get(
    "/sessions",
    describeRoute({
      summary: "My teaching sessions",
      description: "The provider's, or the ones the student has a seat in.",
      tags: ["Sessions"],
      responses: {
        200: json("`{sessions}`", z.object({ sessions: z.array(sessionSchema) })),
        ...errors(401),
      },
    }),
    requireUser(),
    async (c) => {
      return c.json({ sessions: await listMySessions(c.get("deps"), currentUser(c)) }, 200);
    },
  )
  .get(
    "/provider-profile",
    describeRoute({
      summary: "My provider profile",
      tags: PROFILE_TAGS,
      responses: { 200: json("The profile."), ...errors(401, 403, 404) },
    }),
    requireUser("provider"),
    async (c) => {
      const row = await getProviderProfile(c.get("deps"), currentUser(c).id);
      if (!row) throw new AppError("NOT_FOUND", "You have not set up your provider profile yet.");
      return c.json(toProviderProfile(row), 200);
    },
  )
  .put(
    "/provider-profile",
    describeRoute({
      summary: "Set up or change my provider profile",
      description:
        "Rate, currency, bio, cancellation policy, headline, subjects and languages; fields left out keep their stored value.",
      tags: PROFILE_TAGS,
      responses: { 200: json("The saved profile."), ...errors(400, 401, 403) },
    }),
    requireUser("provider"),
    validate("json", profileBody),
    async (c) => {
      const profile = await saveProviderProfile(c.get("deps"), currentUser(c).id, c.req.valid("json"));
      return c.json(profile, 200);
    },
  )
  .put(
    "/provider-profile/photo",
    describeRoute({
      summary: "Upload my photo",
      description: "The raw image is the body: JPEG, PNG or WebP, at most 2 MB.",
      tags: PROFILE_TAGS,
      requestBody: {
        required: true,
        content: { "image/jpeg": IMAGE, "image/png": IMAGE, "image/webp": IMAGE },
      },
      responses: { 200: json("The profile with its new `photoUrl`."), ...errors(400, 401, 403) },
    }),
    requireUser("provider"),
    async (c) => {
      const deps = c.get("deps");
      const bytes = await readPhotoBody(c.req.raw);
      const upload = { contentType: c.req.header("content-type"), bytes };
      return c.json(await replacePhoto(deps, deps.photos, currentUser(c).id, upload), 200);
    },
  )
  .delete(
    "/provider-profile/photo",
    describeRoute({
      summary: "Remove my photo",
      tags: PROFILE_TAGS,
      responses: { 200: json("The profile without a photo."), ...errors(401, 403) },
    }),
    requireUser("provider"),
    async (c) => {
      const deps = c.get("deps");
      return c.json(await removePhoto(deps, deps.photos, currentUser(c).id), 200);
    },
  );
