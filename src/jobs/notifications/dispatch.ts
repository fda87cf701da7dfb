import type { Mailer } from "../../adapters/mailer";
import type { DueEmail, EmailOutbox } from "../../db/email-outbox";
import { backoffMs } from "../../shared/backoff";
import { DAY_MS, MINUTE_MS } from "../../shared/time";

/**
 * The outbox runner: sends due PENDING rows and settles each (SENT, rescheduled with exponential
 * backoff, or FAILED after MAX_ATTEMPTS).
 */

export const DISPATCH_LIMIT = 50;
export const MAX_ATTEMPTS = 8;
/** A claimed row is invisible to other runs this long; a run that dies mid-send is retried after it. */
export const CLAIM_MS = 2 * MINUTE_MS;
const RETRY_BASE_MS = 5 * MINUTE_MS;
const SEND_CONCURRENCY = 5;

/** Wait before attempt `attempts + 1`: 5 min, 10 min, 20 min, … (attempts ≥ 1). */
export function retryDelayMs(attempts: number): number {
  return backoffMs(attempts, RETRY_BASE_MS, DAY_MS);
}

export interface DispatchReport {
  sent: number;
  /** Attempts that failed in this run (rescheduled, given up, or a row whose bookkeeping failed). */
  failed: number;
  /** Rows that reached MAX_ATTEMPTS in this run and are now FAILED. */
  gaveUp: number;
}

type Outcome = "sent" | "retry" | "gave-up" | "skipped" | "error";

/**
 * Sends due rows (oldest first, at most DISPATCH_LIMIT, SEND_CONCURRENCY at a time). Each row is
 * claimed first, so two overlapping runs never send the same row.
 */
export async function dispatchOutbox(
  outbox: EmailOutbox,
  mailer: Mailer,
  clock: () => number,
): Promise<DispatchReport> {
  const due = await outbox.due(clock(), DISPATCH_LIMIT);
  const report: DispatchReport = { sent: 0, failed: 0, gaveUp: 0 };
  for (let i = 0; i < due.length; i += SEND_CONCURRENCY) {
    const outcomes = await Promise.all(
      due.slice(i, i + SEND_CONCURRENCY).map((row) =>
        // One row whose bookkeeping fails (D1 hiccup) is counted and retried once its claim lapses.
        sendOne(outbox, mailer, clock, row).catch((error: unknown): Outcome => {
          console.error("email dispatch failed", row.id, error);
          return "error";
        }),
      ),
    );
    for (const outcome of outcomes) {
      if (outcome === "sent") report.sent += 1;
      if (outcome === "retry" || outcome === "gave-up" || outcome === "error") report.failed += 1;
      if (outcome === "gave-up") report.gaveUp += 1;
    }
  }
  return report;
}

async function sendOne(
  outbox: EmailOutbox,
  mailer: Mailer,
  clock: () => number,
  row: DueEmail,
): Promise<Outcome> {
  if (!(await outbox.claim(row, clock() + CLAIM_MS))) return "skipped";
  try {
    await mailer.send({
      to: row.toAddress,
      subject: row.subject,
      text: row.textBody,
      ...(row.htmlBody ? { html: row.htmlBody } : {}),
      ...(row.ics ? { ics: row.ics } : {}),
      idempotencyKey: row.id,
    });
  } catch (error) {
    const attempts = row.attempts + 1;
    const gaveUp = attempts >= MAX_ATTEMPTS;
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500) || "send failed";
    await outbox.recordFailure(row.id, {
      attempts,
      error: message,
      gaveUp,
      nextAttemptAt: clock() + (gaveUp ? 0 : retryDelayMs(attempts)),
    });
    return gaveUp ? "gave-up" : "retry";
  }
  await outbox.markSent(row.id, clock());
  return "sent";
}
