import type { Deps } from "../deps";
import { findUnsettledMoney } from "../services/bookings";
import { topUpPatterns } from "../services/patterns";
import { runPayouts } from "../services/payouts";
import { cancelProviderNoShows } from "../services/sessions";
import { removeExpiredUnbookedSlots } from "../services/slots";
import { recoverMissedStripeEvents } from "../services/stripe-events";
import { dispatchWebhookEvents } from "../services/webhook-delivery";
import { DAY_MS, MINUTE_MS } from "../shared/time";
import { runNotifications } from "./notifications";

export const FREQUENT_CRON = "*/5 * * * *";
export const DAILY_CRON = "15 0 * * *";

/** Cron dispatch: each job is idempotent, so a repeated or overlapping run is harmless. */
export async function runScheduled(cron: string, deps: Deps): Promise<Record<string, unknown>> {
  const report: Record<string, unknown> = {};
  // One failing job never stops the others; its error is reported instead.
  const run = async (name: string, job: () => Promise<unknown>) => {
    try {
      report[name] = await job();
    } catch (error) {
      console.error("cron job failed", name, error);
      report[name] = { error: error instanceof Error ? error.message : String(error) };
    }
  };
  if (cron === DAILY_CRON || cron === FREQUENT_CRON) {
    await run("recoveredEvents", () => recoverMissedStripeEvents(deps, DAY_MS));
    await run("reconciled", () => reconcileStuckBookings(deps));
    await run("providerNoShows", () => cancelProviderNoShows(deps));
    await run("cancellationsFinished", () => finishCancelledSessions(deps));
    await run("payouts", () => runPayouts(deps));
    await run("removedSlots", () => removeExpiredUnbookedSlots(deps));
    await run("notifications", () => runNotifications(deps));
    await run("webhooks", () => dispatchWebhookEvents(deps));
  }
  if (cron === DAILY_CRON) await run("patterns", () => topUpPatterns(deps));
  return report;
}

/**
 * Every booking whose money is not final (quiet for a minute): its slot object re-reads Stripe and
 * heals (confirm, release, refund the remainder, record the refund's outcome). Idempotent.
 */
export async function reconcileStuckBookings(deps: Deps): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const booking of await findUnsettledMoney(deps, MINUTE_MS)) {
    try {
      outcomes[booking.id] = await deps.slots.get(booking.slotId).syncFromStripe(booking.id);
    } catch (error) {
      outcomes[booking.id] = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return outcomes;
}

/**
 * A cancelled session whose slot object never heard of the cancellation (the call failed after
 * D1 was updated) still has active bookings: finish it, refunds included. Idempotent.
 */
export async function finishCancelledSessions(deps: Deps): Promise<number> {
  const results = await deps.records.sessions.listUnfinishedCancellations(50);
  let finished = 0;
  for (const row of results) {
    try {
      await deps.slots
        .get(row.slotId)
        .cancelAll({ type: "session:cancelled", sessionId: row.sessionId }, row.cancelReason ?? "PROVIDER");
      finished += 1;
    } catch (error) {
      console.warn("finishing a cancelled session failed", row.sessionId, error);
    }
  }
  return finished;
}
