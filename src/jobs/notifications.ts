import { createMailer, type Mailer } from "../adapters/mailer";
import type { Deps } from "../deps";
import { dispatchDueEmails, enqueueDueNotifications } from "../services/notifications";

/**
 * Derives due notifications from state, queues each once (by dedupe key), then sends what is
 * due. Idempotent and safe to overlap: the cron and the Stripe webhook both call it.
 * `mailer` defaults to the configured transport; tests pass a fake.
 */
export async function runNotifications(
  deps: Deps,
  mailer: Mailer = createMailer(deps.env),
): Promise<Record<string, number>> {
  const queued = await enqueueDueNotifications(deps);
  const { sent, failed, gaveUp } = await dispatchDueEmails(deps, mailer);
  return { queued, sent, failed, gaveUp };
}
