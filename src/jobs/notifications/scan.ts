import type { EmailOutbox, OutboxDraft } from "../../db/email-outbox";
import type { NotificationFacts } from "../../db/notification-facts";
import {
  type DraftContext,
  draftBookingConfirmed,
  draftProviderNoShow,
  draftRefund,
  draftRefundFailed,
  draftReminders,
  draftRescheduled,
  draftSessionCancelled,
  draftStudentCancelled,
  draftWaitlistLapsed,
  draftWaitlistOffered,
} from "./drafts";

/**
 * Notifications are derived from state, not hooked into the booking code: each scan looks for
 * facts that have no outbox row yet, drafts their emails and queues one row per recipient, keyed
 * by `dedupe_key` so it exists once.
 */

/** Rows per D1 batch of inserts. */
const INSERT_CHUNK = 50;

export interface ScanReport {
  /** New outbox rows. */
  queued: number;
  /** Scans or rows that failed in this run (logged; the next run tries again). */
  failed: number;
}

interface Scan {
  name: string;
  run(facts: NotificationFacts, ctx: DraftContext, onRowFailed: () => void): Promise<OutboxDraft[]>;
}

/**
 * A scan: find the facts, then draft them row by row. A row that cannot be turned into an email
 * (a currency Intl does not know, a broken invite) is logged and counted, and the others go out.
 */
function scan<F>(
  name: string,
  find: (facts: NotificationFacts, now: number) => Promise<F[]>,
  draft: (fact: F, ctx: DraftContext) => OutboxDraft[],
): Scan {
  return {
    name,
    async run(facts, ctx, onRowFailed) {
      return (await find(facts, ctx.now)).flatMap((fact) => {
        try {
          return draft(fact, ctx);
        } catch (error) {
          onRowFailed();
          console.error("notification row failed", name, error);
          return [];
        }
      });
    },
  };
}

const SCANS: readonly Scan[] = [
  scan("confirmedBookings", (f, now) => f.confirmedBookings(now), draftBookingConfirmed),
  scan("refunds", (f, now) => f.refunds(now), draftRefund),
  scan("failedRefunds", (f, now) => f.failedRefunds(now), draftRefundFailed),
  scan("cancelledSessions", (f, now) => f.cancelledSessions(now), draftSessionCancelled),
  scan("reminders", (f, now) => f.dueReminders(now), draftReminders),
  scan("studentCancellations", (f, now) => f.studentCancellations(now), draftStudentCancelled),
  scan("reschedules", (f, now) => f.reschedules(now), draftRescheduled),
  scan("providerNoShows", (f, now) => f.providerNoShows(now), draftProviderNoShow),
  scan("waitlistOffers", (f, now) => f.waitlistOffers(now), draftWaitlistOffered),
  scan("waitlistLapses", (f, now) => f.waitlistLapses(now), draftWaitlistLapsed),
];

/**
 * Runs every scan and queues what is missing, isolating failures per scan and per row.
 * `clock` stamps the inserted rows (created_at, first next_attempt_at).
 */
export async function queueDueNotifications(
  facts: NotificationFacts,
  outbox: EmailOutbox,
  ctx: DraftContext,
  clock: () => number,
): Promise<ScanReport> {
  const report: ScanReport = { queued: 0, failed: 0 };
  const rowFailed = () => {
    report.failed += 1;
  };
  for (const { name, run } of SCANS) {
    // One broken scan must not keep the others (or the dispatcher) from running.
    try {
      report.queued += await insertDrafts(outbox, await run(facts, ctx, rowFailed), clock, rowFailed);
    } catch (error) {
      report.failed += 1;
      console.error("notification scan failed", name, error);
    }
  }
  return report;
}

/** Inserts in batches; a batch that fails is retried row by row, so one bad row stays alone. */
async function insertDrafts(
  outbox: EmailOutbox,
  drafts: readonly OutboxDraft[],
  clock: () => number,
  onRowFailed: () => void,
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < drafts.length; i += INSERT_CHUNK) {
    const chunk = drafts.slice(i, i + INSERT_CHUNK);
    try {
      inserted += await outbox.insert(chunk, clock());
    } catch {
      for (const draft of chunk) {
        try {
          inserted += await outbox.insert([draft], clock());
        } catch (error) {
          onRowFailed();
          console.error("notification insert failed", draft.key, error);
        }
      }
    }
  }
  return inserted;
}
