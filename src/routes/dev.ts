import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import { buildDeps } from "../deps";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { errors, json, PUBLIC } from "../http/openapi";
import { validate } from "../http/validate";
import { DAILY_CRON, FREQUENT_CRON, runScheduled } from "../jobs/scheduled";

/**
 * Local development only (DEV_ROUTES=on, set by `npm start`): runs a cron job on demand, as if
 * the clock read `at` (default: now) for that run only, so no-shows, reminders and payouts can be
 * tried in seconds. wrangler 4.86's /cdn-cgi/handler/scheduled fails for workers with static assets.
 */
export const devRoutes = new Hono<AppEnv>().post(
  "/cron",
  describeRoute({
    summary: "Run the cron jobs now (local only)",
    description:
      "Only with DEV_ROUTES=on (as `npm start` sets; 404 otherwise): runs a cron job as if the clock read `at` (default: now), for that run only, and answers its report.",
    tags: ["Dev"],
    security: PUBLIC,
    responses: { 200: json("`{at, ...report}`: what the jobs did."), ...errors(400, 404) },
  }),
  async (c, next) => {
    if (c.env.DEV_ROUTES !== "on") throw new AppError("NOT_FOUND", "No route for POST /api/dev/cron.");
    await next();
  },
  validate(
    "query",
    z.object({
      cron: z.enum([FREQUENT_CRON, DAILY_CRON]).default(FREQUENT_CRON),
      at: z.iso.datetime({ offset: true }).optional(),
    }),
  ),
  async (c) => {
    const { cron, at } = c.req.valid("query");
    const deps = at === undefined ? c.get("deps") : buildDeps(c.env, () => Date.parse(at));
    const report = await runScheduled(cron, deps);
    return c.json({ at: new Date(deps.now()).toISOString(), ...report }, 200);
  },
);
