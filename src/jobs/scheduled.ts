import type { Deps } from "../deps";
import { topUpPatterns } from "../services/patterns";
import { removeExpiredUnbookedSlots } from "../services/slots";

export const FREQUENT_CRON = "*/5 * * * *";
export const DAILY_CRON = "15 0 * * *";

/** Cron dispatch: each job is idempotent, so a repeated or overlapping run is harmless. */
export async function runScheduled(cron: string, deps: Deps): Promise<Record<string, unknown>> {
  const report: Record<string, unknown> = {};
  if (cron === DAILY_CRON || cron === FREQUENT_CRON) {
    report.removedSlots = await removeExpiredUnbookedSlots(deps);
  }
  if (cron === DAILY_CRON) {
    report.patterns = await topUpPatterns(deps);
  }
  return report;
}
