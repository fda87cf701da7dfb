import { Hono } from "hono";
import { z } from "zod";
import { AppError } from "../domain/errors";
import type { AppEnv } from "../http/context";
import { validate } from "../http/validate";
import { DAILY_CRON, FREQUENT_CRON, runScheduled } from "../jobs/scheduled";

/**
 * Local development only (DEV_ROUTES=on, set by `npm start`): runs a cron job on demand.
 * wrangler 4.86's /cdn-cgi/handler/scheduled fails for workers with static assets.
 */
export const devRoutes = new Hono<AppEnv>().post(
  "/cron",
  async (c, next) => {
    if (c.env.DEV_ROUTES !== "on") throw new AppError("NOT_FOUND", "No route for POST /api/dev/cron.");
    await next();
  },
  validate("query", z.object({ cron: z.enum([FREQUENT_CRON, DAILY_CRON]).default(FREQUENT_CRON) })),
  async (c) => {
    return c.json(await runScheduled(c.req.valid("query").cron, c.get("deps")), 200);
  },
);
