import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { currentUser, requireUser } from "../http/middleware/auth";
import { earningsCsv, getEarnings, openPayoutAccount } from "../services/payouts";

/** A provider's Stripe Connect account and what Lectern owes them. */
export const payoutRoutes = new Hono<AppEnv>()
  .post("/payout-account", requireUser("provider"), async (c) => {
    const deps = c.get("deps");
    // Stripe sends the provider back to the public origin (the request may come through a proxy).
    return c.json(await openPayoutAccount(deps, currentUser(c), deps.env.APP_ORIGIN), 200);
  })
  .get("/earnings", requireUser("provider"), async (c) => {
    return c.json(await getEarnings(c.get("deps"), currentUser(c)), 200);
  })
  // One line per lesson, for the provider's own books (dates in the provider's zone).
  .get("/earnings.csv", requireUser("provider"), async (c) => {
    const csv = await earningsCsv(c.get("deps"), currentUser(c));
    return c.body(csv, 200, {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="lectern-earnings.csv"',
      "cache-control": "no-store",
    });
  });
