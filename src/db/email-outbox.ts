import { sql } from "drizzle-orm";
import type { NotificationKind, RenderedEmail } from "../domain/email-templates";
import { newId } from "../domain/ids";
import type { emailOutbox } from "./schema";
import { runBatch, statement } from "./statements";

/** One email ready to queue: rendered for its recipient, keyed so it is queued once. */
export interface OutboxDraft {
  /** `dedupeKey(kind, subject id, user id)`. */
  key: string;
  kind: NotificationKind;
  userId: string;
  to: string;
  email: RenderedEmail;
  ics: string | null;
}

type OutboxStatus = (typeof emailOutbox.$inferSelect)["status"];

/** A PENDING row as the dispatcher needs it. */
export interface DueEmail {
  id: string;
  toAddress: string;
  subject: string;
  textBody: string;
  htmlBody: string | null;
  ics: string | null;
  attempts: number;
  nextAttemptAt: number;
}

/** A row of a user's mailbox, newest first. */
export interface MailboxRow {
  id: string;
  kind: string;
  subject: string;
  textBody: string;
  status: OutboxStatus;
  createdAt: number;
  sentAt: number | null;
}

/** The email_outbox table: queue once per dedupe key, claim, settle, and list per user. */
export interface EmailOutbox {
  /** One atomic batch; a draft whose key is already queued is skipped. Returns the rows written. */
  insert(drafts: readonly OutboxDraft[], now: number): Promise<number>;
  /** PENDING rows due at `now`, oldest due first. */
  due(now: number, limit: number): Promise<DueEmail[]>;
  /**
   * Hides the row until `until` by moving its next_attempt_at, only if nobody else did since it
   * was read: true when this caller won it.
   */
  claim(row: Pick<DueEmail, "id" | "nextAttemptAt">, until: number): Promise<boolean>;
  markSent(id: string, at: number): Promise<void>;
  /** A failed send: back to PENDING at `nextAttemptAt`, or FAILED for good when `gaveUp`. */
  recordFailure(
    id: string,
    failure: { attempts: number; error: string; gaveUp: boolean; nextAttemptAt: number },
  ): Promise<void>;
  listForUser(userId: string, limit: number): Promise<MailboxRow[]>;
}

export function createEmailOutbox(d1: D1Database): EmailOutbox {
  const insertRow = (d: OutboxDraft, now: number) => sql`
    INSERT INTO email_outbox (id, dedupe_key, user_id, to_address, kind, subject, text_body, html_body, ics,
                              status, attempts, created_at, next_attempt_at)
    VALUES (${newId("eml")}, ${d.key}, ${d.userId}, ${d.to}, ${d.kind}, ${d.email.subject}, ${d.email.text},
            ${d.email.html}, ${d.ics}, 'PENDING', 0, ${now}, ${now})
    ON CONFLICT(dedupe_key) DO NOTHING`;

  return {
    async insert(drafts, now) {
      if (drafts.length === 0) return 0;
      const results = await runBatch(
        d1,
        drafts.map((d) => insertRow(d, now)),
      );
      return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
    },

    async due(now, limit) {
      const { results } = await statement(
        d1,
        sql`SELECT id, to_address AS toAddress, subject, text_body AS textBody, html_body AS htmlBody, ics,
                   attempts, next_attempt_at AS nextAttemptAt
              FROM email_outbox
             WHERE status = 'PENDING' AND next_attempt_at <= ${now}
             ORDER BY next_attempt_at
             LIMIT ${limit}`,
      ).all<DueEmail>();
      return results;
    },

    async claim(row, until) {
      const claimed = await statement(
        d1,
        sql`UPDATE email_outbox SET next_attempt_at = ${until}
             WHERE id = ${row.id} AND status = 'PENDING' AND next_attempt_at = ${row.nextAttemptAt}`,
      ).run();
      return claimed.meta.changes === 1;
    },

    async markSent(id, at) {
      await statement(
        d1,
        sql`UPDATE email_outbox SET status = 'SENT', sent_at = ${at}, last_error = NULL
             WHERE id = ${id} AND status = 'PENDING'`,
      ).run();
    },

    async recordFailure(id, failure) {
      await statement(
        d1,
        sql`UPDATE email_outbox
               SET attempts = ${failure.attempts}, last_error = ${failure.error},
                   status = ${failure.gaveUp ? "FAILED" : "PENDING"}, next_attempt_at = ${failure.nextAttemptAt}
             WHERE id = ${id} AND status = 'PENDING'`,
      ).run();
    },

    async listForUser(userId, limit) {
      const { results } = await statement(
        d1,
        sql`SELECT id, kind, subject, text_body AS textBody, status, created_at AS createdAt, sent_at AS sentAt
              FROM email_outbox
             WHERE user_id = ${userId}
             ORDER BY created_at DESC, id DESC
             LIMIT ${limit}`,
      ).all<MailboxRow>();
      return results;
    },
  };
}
