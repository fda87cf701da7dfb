import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../domain/errors";
import { CHARGE_CURRENCIES } from "../domain/money";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
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

export const meRoutes = new Hono<AppEnv>()
  .get("/", requireUser(), (c) => c.json(currentUser(c), 200))
  .patch("/", requireUser(), validate("json", meBody), async (c) => {
    return c.json(await updateMe(c.get("deps"), currentUser(c), c.req.valid("json")), 200);
  })
  .get("/bookings", requireUser(), async (c) => {
    return c.json({ bookings: await listMyBookings(c.get("deps"), currentUser(c)) }, 200);
  })
  .get("/waitlist", requireUser("student"), async (c) => {
    return c.json({ entries: await listMyWaitlist(c.get("deps"), currentUser(c)) }, 200);
  })
  .get("/sessions", requireUser(), async (c) => {
    return c.json({ sessions: await listMySessions(c.get("deps"), currentUser(c)) }, 200);
  })
  .get("/provider-profile", requireUser("provider"), async (c) => {
    const row = await getProviderProfile(c.get("deps"), currentUser(c).id);
    if (!row) throw new AppError("NOT_FOUND", "You have not set up your provider profile yet.");
    return c.json(toProviderProfile(row), 200);
  })
  .put("/provider-profile", requireUser("provider"), validate("json", profileBody), async (c) => {
    const profile = await saveProviderProfile(c.get("deps"), currentUser(c).id, c.req.valid("json"));
    return c.json(profile, 200);
  })
  // The raw image is the body (JPEG, PNG or WebP, at most 2 MB); answers the profile with its new photoUrl.
  .put("/provider-profile/photo", requireUser("provider"), async (c) => {
    const deps = c.get("deps");
    const bytes = await readPhotoBody(c.req.raw);
    const upload = { contentType: c.req.header("content-type"), bytes };
    return c.json(await replacePhoto(deps, deps.photos, currentUser(c).id, upload), 200);
  })
  .delete("/provider-profile/photo", requireUser("provider"), async (c) => {
    const deps = c.get("deps");
    return c.json(await removePhoto(deps, deps.photos, currentUser(c).id), 200);
  });
