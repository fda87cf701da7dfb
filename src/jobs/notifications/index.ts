import type { Mailer } from "../../adapters/mailer";
import type { Deps } from "../../deps";
import { type DispatchReport, dispatchOutbox } from "./dispatch";
import { senderAddress } from "./drafts";
import { queueDueNotifications, type ScanReport } from "./scan";

export { CLAIM_MS, type DispatchReport, MAX_ATTEMPTS, retryDelayMs } from "./dispatch";
export type { ScanReport } from "./scan";

/**
 * Derives due notifications from state, queues each once (by dedupe key), then sends what is
 * due. Idempotent and safe to overlap: the cron and the Stripe webhook both call it.
 * `mailer` defaults to the configured transport; tests pass a fake.
 */
export async function runNotifications(
  deps: Deps,
  mailer: Mailer = deps.mailer,
): Promise<Record<string, number>> {
  const scanned = await scanDueNotifications(deps);
  const { sent, failed, gaveUp } = await dispatchDueEmails(deps, mailer);
  return { queued: scanned.queued, scanFailed: scanned.failed, sent, failed, gaveUp };
}

/** Runs every fact scan against this run's clock and queues what is missing. */
export function scanDueNotifications(deps: Deps): Promise<ScanReport> {
  const ctx = {
    now: deps.now(),
    appUrl: deps.env.APP_ORIGIN || undefined,
    organizer: { name: "Lectern", email: senderAddress(deps.env.EMAIL_FROM) },
  };
  return queueDueNotifications(deps.records.notificationFacts, deps.records.emailOutbox, ctx, deps.now);
}

/** Sends the due outbox rows through `mailer`. */
export function dispatchDueEmails(deps: Deps, mailer: Mailer): Promise<DispatchReport> {
  return dispatchOutbox(deps.records.emailOutbox, mailer, deps.now);
}
