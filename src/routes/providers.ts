import { Hono, type MiddlewareHandler } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { requireUser } from "../http/middleware/auth";
import { errors, json, PUBLIC } from "../http/openapi";
import { idParam, instant, locale } from "../http/schemas";
import { validate } from "../http/validate";
import { getTutor, searchTutors } from "../services/tutor-directory";
import { subjectName } from "../services/tutor-fields";
import { readPhoto } from "../services/tutor-photos";
import { DAY_MS } from "../shared/time";
import { TUTOR_LIMITS } from "../shared/tutor-types";

/** An hourly rate bound in minor units, as a query string. */
const price = z
  .string()
  .regex(/^\d{1,9}$/, "must be a whole number of minor units, e.g. 4500")
  .transform(Number);

const searchQuery = z
  .object({
    subject: subjectName.optional(),
    language: locale.optional(),
    minPrice: price.optional(),
    maxPrice: price.optional(),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO currency code such as usd")
      .transform((value) => value.toLowerCase())
      .optional(),
    freeFrom: instant.optional(),
    freeTo: instant.optional(),
  })
  .superRefine((query, ctx) => {
    if (query.minPrice !== undefined && query.maxPrice !== undefined && query.minPrice > query.maxPrice) {
      ctx.addIssue({ code: "custom", path: ["maxPrice"], message: "must not be below minPrice" });
    }
    const { freeFrom: from, freeTo: to } = query;
    if ((from === undefined) !== (to === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [from === undefined ? "freeFrom" : "freeTo"],
        message: "freeFrom and freeTo go together",
      });
    } else if (from !== undefined && to !== undefined) {
      if (to <= from) ctx.addIssue({ code: "custom", path: ["freeTo"], message: "must be after freeFrom" });
      else if (to - from > TUTOR_LIMITS.freeWindowDays * DAY_MS) {
        ctx.addIssue({
          code: "custom",
          path: ["freeTo"],
          message: `must be at most ${TUTOR_LIMITS.freeWindowDays} days after freeFrom`,
        });
      }
    }
  });

/**
 * The search query's validator with only its output typed: the typed client then keeps
 * `providers.$get()` callable without a query (web/src/api/endpoints.ts), and the SPA's
 * search builds its query string itself (web/src/api/tutors.ts).
 */
const validSearch = validate("query", searchQuery) as MiddlewareHandler<
  AppEnv,
  string,
  { out: { query: z.output<typeof searchQuery> } }
>;

const IMMUTABLE = "public, max-age=31536000, immutable";

export const providerRoutes = new Hono<AppEnv>()
  .get(
    "/",
    describeRoute({
      summary: "Find a tutor",
      description:
        "Filters by subject, language, hourly rate (minor units, with `currency`) and free time (`freeFrom`..`freeTo`, at most a few weeks apart).",
      tags: ["Providers"],
      responses: {
        200: json("`{providers}`: matching tutors with their public profiles."),
        ...errors(400, 401),
      },
    }),
    requireUser(),
    validSearch,
    async (c) => {
      const { freeFrom, freeTo, ...rest } = c.req.valid("query");
      const free =
        freeFrom !== undefined && freeTo !== undefined ? { from: freeFrom, to: freeTo } : undefined;
      return c.json({ providers: await searchTutors(c.get("deps"), { ...rest, free }) }, 200);
    },
  )
  .get(
    "/:id",
    describeRoute({
      summary: "A tutor's public profile",
      tags: ["Providers"],
      responses: { 200: json("The tutor."), ...errors(400, 401, 404) },
    }),
    requireUser(),
    validate("param", idParam),
    async (c) => {
      return c.json(await getTutor(c.get("deps"), c.req.valid("param").id), 200);
    },
  )
  // Public, so that <img> works anywhere: the photo is part of the public profile. The URL the
  // API hands out carries ?v=<key>, so a new photo is a new URL and the old one may be cached forever.
  .get(
    "/:id/photo",
    describeRoute({
      summary: "A tutor's photo",
      description:
        "Public. The URL in `photoUrl` carries `?v=<key>` and may be cached forever; `If-None-Match` with the ETag answers 304.",
      tags: ["Providers"],
      security: PUBLIC,
      responses: {
        200: { description: "The image (JPEG, PNG or WebP)." },
        304: { description: "Not modified: the cached photo is current." },
        ...errors(400, 404),
      },
    }),
    validate("param", idParam),
    async (c) => {
      const deps = c.get("deps");
      const photo = await readPhoto(deps, deps.photos, c.req.valid("param").id);
      if (!photo) throw new AppError("NOT_FOUND", "This tutor has no photo.");
      const headers = {
        "content-type": photo.contentType,
        etag: photo.etag,
        // Only the current key's URL is immutable; any other asks again next time.
        "cache-control": c.req.query("v") === photo.key ? IMMUTABLE : "no-cache",
      };
      if (c.req.header("if-none-match") === photo.etag) {
        await photo.body.cancel();
        return c.body(null, 304, headers);
      }
      return c.body(photo.body, 200, headers);
    },
  );
