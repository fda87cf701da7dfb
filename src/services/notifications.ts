import type { Deps } from "../deps";

const MAILBOX_LIMIT = 100;

export interface NotificationView {
  id: string;
  kind: string;
  subject: string;
  text: string;
  status: "PENDING" | "SENT" | "FAILED";
  createdAt: string;
  sentAt: string | null;
}

/** The caller's mailbox: what was (or will be) emailed to them, newest first. */
export async function listNotifications(
  deps: Deps,
  userId: string,
  limit = MAILBOX_LIMIT,
): Promise<NotificationView[]> {
  const rows = await deps.records.emailOutbox.listForUser(userId, limit);
  return rows.map((row) => ({
    id: row.id,
    kind: row.kind,
    subject: row.subject,
    text: row.textBody,
    status: row.status,
    createdAt: new Date(row.createdAt).toISOString(),
    sentAt: row.sentAt === null ? null : new Date(row.sentAt).toISOString(),
  }));
}
