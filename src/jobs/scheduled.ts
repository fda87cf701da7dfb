import { slotObject } from "../adapters/slot-client";
import type { Deps } from "../deps";
import { findStuckBookings } from "../services/bookings";
import { topUpPatterns } from "../services/patterns";
import { removeExpiredUnbookedSlots } from "../services/slots";
import { runNotifications } from "./notifications";

export const FREQUENT_CRON = "*/5 * * * *";
export const DAILY_CRON = "15 0 * * *";

/** Cron dispatch: each job is idempotent, so a repeated or overlapping run is harmless. */
export async function runScheduled(cron: string, deps: Deps): Promise<Record<string, unknown>> {
  const report: Record<string, unknown> = {};
  if (cron === DAILY_CRON || cron === FREQUENT_CRON) {
    report.reconciled = await reconcileStuckBookings(deps);
    report.cancellationsFinished = await finishCancelledSessions(deps);
    report.removedSlots = await removeExpiredUnbookedSlots(deps);
    report.notifications = await runNotifications(deps);
  }
  if (cron === DAILY_CRON) {
    report.patterns = await topUpPatterns(deps);
  }
  return report;
}

/** Bookings still pending a minute after their hold ended: their slot objects ask Stripe. */
export async function reconcileStuckBookings(deps: Deps): Promise<Record<string, string>> {
  const outcomes: Record<string, string> = {};
  for (const booking of await findStuckBookings(deps, 60_000)) {
    try {
      outcomes[booking.id] = await slotObject(deps.env, booking.slotId).reconcile(booking.id);
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
  const { results } = await deps.d1
    .prepare(
      `SELECT DISTINCT ts.id AS sessionId, ts.slot_id AS slotId
         FROM teaching_sessions ts JOIN bookings b ON b.slot_id = ts.slot_id
        WHERE ts.status = 'CANCELLED' AND b.status IN ('PENDING_PAYMENT', 'CONFIRMED')
        LIMIT 50`,
    )
    .all<{ sessionId: string; slotId: string }>();
  for (const row of results) {
    await slotObject(deps.env, row.slotId).cancelAll({ type: "session:cancelled", sessionId: row.sessionId });
  }
  return results.length;
}
