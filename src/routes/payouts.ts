import { Hono } from "hono";
import { describeRoute } from "hono-openapi";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { earningsSchema, errors, json, payoutAccountAnswerSchema } from "../http/openapi";
import { earningsCsv, getEarnings, openPayoutAccount } from "../services/payouts";

/** A provider's Stripe Connect account and what Lectern owes them. */
export const payoutRoutes = new Hono<AppEnv>()
  .post(
    "/payout-account",
    describeRoute({
      summary: "Set up payouts (Stripe Connect)",
      description:
        "Creates the provider's Express account on first call and answers a fresh onboarding link every call.",
      tags: ["Payouts"],
      responses: {
        200: json("The account as Stripe last said, and where to onboard.", payoutAccountAnswerSchema),
        ...errors(401, 403, 502),
      },
    }),
    requireUser("provider"),
    async (c) => {
      const deps = c.get("deps");
      // Stripe sends the provider back to the public origin (the request may come through a proxy).
      return c.json(await openPayoutAccount(deps, currentUser(c), deps.env.APP_ORIGIN), 200);
    },
  )
  .get(
    "/earnings",
    describeRoute({
      summary: "My earnings",
      description:
        "The payout account, totals per currency and one payout per lesson taught (newest first): captured − refunded − platform fee, paid after the session ends plus the payout delay.",
      tags: ["Payouts"],
      responses: { 200: json("Account, totals and payouts.", earningsSchema), ...errors(401, 403) },
    }),
    requireUser("provider"),
    async (c) => {
      return c.json(await getEarnings(c.get("deps"), currentUser(c)), 200);
    },
  )
  .get(
    "/earnings.csv",
    describeRoute({
      summary: "My earnings as CSV",
      description: "One line per lesson, for the provider's own books (dates in the provider's zone).",
      tags: ["Payouts"],
      responses: {
        200: { description: "A CSV file.", content: { "text/csv": { schema: { type: "string" } } } },
        ...errors(401, 403),
      },
    }),
    requireUser("provider"),
    async (c) => {
      const csv = await earningsCsv(c.get("deps"), currentUser(c));
      return c.body(csv, 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="lectern-earnings.csv"',
        "cache-control": "no-store",
      });
    },
  );
