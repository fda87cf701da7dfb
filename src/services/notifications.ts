import { and, asc, desc, eq, lte, type SQL, sql } from "drizzle-orm";
import type { Mailer } from "../adapters/mailer";
import { emailOutbox } from "../db/schema";
import { runBatch, statement } from "../db/statements";
import type { Deps } from "../deps";
import {
  dedupeKey,
  describeStudents,
  dueReminder,
  type EmailFact,
  type NotificationKind,
  type RenderedEmail,
  renderEmail,
} from "../domain/email-templates";
import { newId } from "../domain/ids";
import { buildLessonInvite, loadParticipants } from "./calendar";

/**
 * Notifications are derived from state, not hooked into the booking code: each scan looks for
 * facts (a confirmed booking, a refund, a cancelled session, a lesson about to start) that have
 * no outbox row yet and inserts one per recipient, keyed by `dedupe_key` so it exists once.
 * A dispatcher then sends due rows, retrying failures with exponential backoff.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** Facts older than this are not looked at any more (a missed week of cron is a bigger problem). */
export const SCAN_WINDOW_MS = 7 * DAY_MS;
/** Bookings are made at most 28 days ahead, so a refund within the scan window belongs to a booking this young. */
const REFUND_BOOKING_AGE_MS = 28 * DAY_MS + SCAN_WINDOW_MS;
/** Facts per scan and run; the next run (every 5 minutes) picks up the rest. */
const SCAN_LIMIT = 50;
/** Rows per D1 batch of inserts. */
const INSERT_CHUNK = 50;

export const DISPATCH_LIMIT = 50;
export const MAX_ATTEMPTS = 8;
/** A claimed row is invisible to other runs this long; a run that dies mid-send is retried after it. */
export const CLAIM_MS = 2 * MINUTE_MS;
const RETRY_BASE_MS = 5 * MINUTE_MS;
const SEND_CONCURRENCY = 5;

/** Wait before attempt `attempts + 1`: 5 min, 10 min, 20 min, … (attempts ≥ 1). */
export function retryDelayMs(attempts: number): number {
  return RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1);
}

interface Person {
  id: string;
  email: string;
  name: string;
  timezone: string;
}

interface Draft {
  key: string;
  kind: NotificationKind;
  userId: string;
  to: string;
  email: RenderedEmail;
  ics: string | null;
}

interface ScanContext {
  now: number;
  appUrl: string | undefined;
  organizer: { name: string; email: string };
}

function draft(
  ctx: ScanContext,
  subjectId: string,
  person: Person,
  fact: EmailFact,
  ics: string | null = null,
): Draft {
  return {
    key: dedupeKey(fact.kind, subjectId, person.id),
    kind: fact.kind,
    userId: person.id,
    to: person.email,
    email: renderEmail(fact, { name: person.name, timeZone: person.timezone }, ctx.appUrl),
    ics,
  };
}

/** The lesson as an .ics attachment for one recipient, so every email carries the event. */
function lessonInvite(
  ctx: ScanContext,
  sessionId: string,
  recipient: Person,
  title: string,
  lesson: { startsAt: number; endsAt: number },
  method: "REQUEST" | "CANCEL",
): string {
  return buildLessonInvite({
    lesson: {
      ...lesson,
      sessionId,
      title,
      description: `Lectern: ${title}.`,
      cancelled: method === "CANCEL",
    },
    method,
    organizer: ctx.organizer,
    attendee: recipient,
    stamp: ctx.now,
  });
}

/** SQL for the dedupe key of `kind` on the given columns; must equal `dedupeKey()`. */
function keySql(kind: NotificationKind | SQL, subjectColumn: string, userColumn: string): SQL {
  const prefix = typeof kind === "string" ? sql`${kind}` : kind;
  return sql`${prefix} || ':' || ${sql.raw(subjectColumn)} || ':' || ${sql.raw(userColumn)}`;
}

function notQueued(key: SQL): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = ${key})`;
}

function senderEmail(from: string): string {
  return /<([^<>\s]+@[^<>\s]+)>/.exec(from)?.[1] ?? from.trim();
}

/** Runs every scan and queues what is missing. Returns the number of new outbox rows. */
export async function enqueueDueNotifications(deps: Deps): Promise<number> {
  const ctx: ScanContext = {
    now: deps.now(),
    appUrl: deps.env.APP_ORIGIN || undefined,
    organizer: { name: "Lectern", email: senderEmail(deps.env.EMAIL_FROM) },
  };
  const scans = { confirmedBookingDrafts, refundDrafts, cancelledSessionDrafts, reminderDrafts };
  let queued = 0;
  for (const [name, scan] of Object.entries(scans)) {
    // One broken scan must not keep the others (or the dispatcher) from running.
    try {
      queued += await insertDrafts(deps, await scan(deps, ctx));
    } catch (error) {
      console.error("notification scan failed", name, error);
    }
  }
  return queued;
}

async function insertDrafts(deps: Deps, drafts: Draft[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < drafts.length; i += INSERT_CHUNK) {
    const results = await runBatch(
      deps.d1,
      drafts.slice(i, i + INSERT_CHUNK).map(
        (d) => sql`
          INSERT INTO email_outbox (id, dedupe_key, user_id, to_address, kind, subject, text_body, html_body, ics,
                                    status, attempts, created_at, next_attempt_at)
          VALUES (${newId("eml")}, ${d.key}, ${d.userId}, ${d.to}, ${d.kind}, ${d.email.subject}, ${d.email.text},
                  ${d.email.html}, ${d.ics}, 'PENDING', 0, ${deps.now()}, ${deps.now()})
          ON CONFLICT(dedupe_key) DO NOTHING`,
      ),
    );
    inserted += results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
  }
  return inserted;
}

const personColumns = (alias: string, prefix: string) =>
  sql.raw(
    `${alias}.id AS ${prefix}Id, ${alias}.email AS ${prefix}Email, ${alias}.name AS ${prefix}Name, ${alias}.timezone AS ${prefix}Timezone`,
  );

type PersonColumns<P extends string> = Record<`${P}Id` | `${P}Email` | `${P}Name` | `${P}Timezone`, string>;

function person<P extends string>(row: PersonColumns<P>, prefix: P): Person {
  return {
    id: row[`${prefix}Id`],
    email: row[`${prefix}Email`],
    name: row[`${prefix}Name`],
    timezone: row[`${prefix}Timezone`],
  };
}

type BookingFactRow = PersonColumns<"student"> &
  PersonColumns<"provider"> & {
    bookingId: string;
    sessionId: string;
    amount: number;
    currency: string;
    startsAt: number;
    endsAt: number;
  };

/** Confirmed bookings: the student gets the confirmation with an invite, the provider "new booking". */
async function confirmedBookingDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const { results } = await statement(
    deps.d1,
    sql`
      SELECT b.id AS bookingId, COALESCE(b.session_id, b.id) AS sessionId, b.amount AS amount,
             b.currency AS currency, s.starts_at AS startsAt, s.ends_at AS endsAt,
             ${personColumns("st", "student")}, ${personColumns("p", "provider")}
        FROM bookings b
        JOIN slots s ON s.id = b.slot_id
        JOIN users st ON st.id = b.student_id
        JOIN users p ON p.id = s.provider_id
       WHERE b.status = 'CONFIRMED'
         -- A booking is confirmed within minutes of its hold, so this bounds the scan by the
         -- (status, hold_expires_at) index to bookings of the last week.
         AND b.hold_expires_at >= ${ctx.now - SCAN_WINDOW_MS}
         AND s.ends_at > ${ctx.now}
         AND (${notQueued(keySql("booking-confirmed", "b.id", "b.student_id"))}
              OR ${notQueued(keySql("booking-new", "b.id", "p.id"))})
       ORDER BY b.hold_expires_at
       LIMIT ${SCAN_LIMIT}`,
  ).all<BookingFactRow>();
  return results.flatMap((row) => {
    const student = person(row, "student");
    const provider = person(row, "provider");
    const lesson = { startsAt: row.startsAt, endsAt: row.endsAt };
    const invite = buildLessonInvite({
      lesson: {
        ...lesson,
        sessionId: row.sessionId,
        title: `Lesson with ${provider.name}`,
        description: `Lectern lesson with your instructor ${provider.name}.`,
        cancelled: false,
      },
      method: "REQUEST",
      organizer: ctx.organizer,
      attendee: student,
      stamp: ctx.now,
    });
    const money = { amount: row.amount, currency: row.currency };
    return [
      draft(
        ctx,
        row.bookingId,
        student,
        { kind: "booking-confirmed", lesson, providerName: provider.name, ...money },
        invite,
      ),
      draft(
        ctx,
        row.bookingId,
        provider,
        { kind: "booking-new", lesson, studentName: student.name, ...money },
        lessonInvite(ctx, row.sessionId, provider, `Lesson with ${student.name}`, lesson, "REQUEST"),
      ),
    ];
  });
}

type RefundFactRow = PersonColumns<"student"> & {
  bookingId: string;
  sessionId: string | null;
  amount: number;
  refundedAmount: number;
  paymentStatus: string;
  currency: string;
  startsAt: number;
  endsAt: number;
  providerName: string;
};

/** Cancelled bookings whose money is going back (or went back): the student hears how much. */
async function refundDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const { results } = await statement(
    deps.d1,
    sql`
      SELECT b.id AS bookingId, b.session_id AS sessionId, b.amount AS amount, pay.refunded_amount AS refundedAmount,
             pay.status AS paymentStatus, b.currency AS currency, s.starts_at AS startsAt, s.ends_at AS endsAt,
             ${personColumns("st", "student")}, p.name AS providerName
        FROM bookings b
        JOIN payments pay ON pay.booking_id = b.id
        JOIN slots s ON s.id = b.slot_id
        JOIN users st ON st.id = b.student_id
        JOIN users p ON p.id = s.provider_id
       WHERE b.status IN ('CANCELLED', 'EXPIRED')
         AND b.hold_expires_at >= ${ctx.now - REFUND_BOOKING_AGE_MS}
         AND pay.status IN ('REFUND_PENDING', 'REFUNDED')
         AND pay.updated_at >= ${ctx.now - SCAN_WINDOW_MS}
         AND ${notQueued(keySql("booking-refund", "b.id", "b.student_id"))}
       ORDER BY pay.updated_at
       LIMIT ${SCAN_LIMIT}`,
  ).all<RefundFactRow>();
  return results.map((row) => {
    const done = row.paymentStatus === "REFUNDED";
    const student = person(row, "student");
    const lesson = { startsAt: row.startsAt, endsAt: row.endsAt };
    return draft(
      ctx,
      row.bookingId,
      student,
      {
        kind: "booking-refund",
        lesson,
        providerName: row.providerName,
        amount: done && row.refundedAmount > 0 ? row.refundedAmount : row.amount,
        currency: row.currency,
        refund: done ? "done" : "pending",
      },
      row.sessionId
        ? lessonInvite(ctx, row.sessionId, student, `Lesson with ${row.providerName}`, lesson, "CANCEL")
        : null,
    );
  });
}

interface SessionFact {
  sessionId: string;
  startsAt: number;
  endsAt: number;
  provider: Person;
  participants: (Person & { status: "CONFIRMED" | "CANCELLED" })[];
}

type SessionFactRow = PersonColumns<"provider"> & { sessionId: string; startsAt: number; endsAt: number };

/** Sessions matching `where` (over `s` slots, `ts` sessions) where some recipient lacks `key`. */
async function findSessionFacts(
  deps: Deps,
  where: SQL,
  key: SQL,
  participantFilter: SQL,
): Promise<SessionFact[]> {
  const { results } = await statement(
    deps.d1,
    sql`
      SELECT ts.id AS sessionId, s.starts_at AS startsAt, s.ends_at AS endsAt, ${personColumns("p", "provider")}
        FROM slots s
        JOIN teaching_sessions ts ON ts.slot_id = s.id
        JOIN users p ON p.id = ts.provider_id
       WHERE ${where}
         AND (${notQueued(keySql(key, "ts.id", "ts.provider_id"))}
              OR EXISTS (SELECT 1 FROM session_participants sp
                          WHERE sp.session_id = ts.id AND ${participantFilter}
                            AND ${notQueued(keySql(key, "ts.id", "sp.user_id"))}))
       ORDER BY s.starts_at
       LIMIT ${SCAN_LIMIT}`,
  ).all<SessionFactRow>();
  const participants = await loadParticipants(
    deps,
    results.map((r) => r.sessionId),
  );
  return results.map((row) => ({
    sessionId: row.sessionId,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    provider: person(row, "provider"),
    participants: participants.get(row.sessionId) ?? [],
  }));
}

/** Sessions the instructor cancelled: every participant and the provider, with a METHOD:CANCEL file. */
async function cancelledSessionDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const facts = await findSessionFacts(
    deps,
    // Only lessons not long past are worth telling about; the slots_start index bounds the scan.
    sql`s.starts_at >= ${ctx.now - DAY_MS} AND ts.status = 'CANCELLED'`,
    sql`${"session-cancelled"}`,
    sql`1 = 1`,
  );
  return facts.flatMap((fact) => {
    const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
    const students = describeStudents(fact.participants.map((p) => p.name));
    const cancellation = (recipient: Person, title: string): string =>
      buildLessonInvite({
        lesson: {
          ...lesson,
          sessionId: fact.sessionId,
          title,
          description: `${title} (cancelled).`,
          cancelled: true,
        },
        method: "CANCEL",
        organizer: ctx.organizer,
        attendee: recipient,
        stamp: ctx.now,
      });
    return [
      draft(
        ctx,
        fact.sessionId,
        fact.provider,
        { kind: "session-cancelled", lesson, role: "provider", otherParty: students },
        cancellation(fact.provider, `Lesson with ${students}`),
      ),
      ...fact.participants.map((student) =>
        draft(
          ctx,
          fact.sessionId,
          student,
          { kind: "session-cancelled", lesson, role: "student", otherParty: fact.provider.name },
          cancellation(student, `Lesson with ${fact.provider.name}`),
        ),
      ),
    ];
  });
}

/** 24 h and 1 h before a scheduled lesson: the provider and each confirmed participant. */
async function reminderDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const facts = await findSessionFacts(
    deps,
    sql`s.starts_at > ${ctx.now} AND s.starts_at <= ${ctx.now + DAY_MS}
        AND ts.status = 'SCHEDULED' AND s.status != 'CANCELLED'
        AND EXISTS (SELECT 1 FROM session_participants c WHERE c.session_id = ts.id AND c.status = 'CONFIRMED')`,
    // Same rule as dueReminder(): the 1 h reminder from start−1h on.
    sql`CASE WHEN s.starts_at - ${ctx.now} <= ${HOUR_MS} THEN 'reminder-1h' ELSE 'reminder-24h' END`,
    sql`sp.status = 'CONFIRMED'`,
  );
  return facts.flatMap((fact) => {
    const kind = dueReminder(fact.startsAt, ctx.now);
    const confirmed = fact.participants.filter((p) => p.status === "CONFIRMED");
    if (!kind || confirmed.length === 0) return [];
    const lesson = { startsAt: fact.startsAt, endsAt: fact.endsAt };
    const students = describeStudents(confirmed.map((p) => p.name));
    return [
      draft(
        ctx,
        fact.sessionId,
        fact.provider,
        { kind, lesson, role: "provider", otherParty: students },
        lessonInvite(ctx, fact.sessionId, fact.provider, `Lesson with ${students}`, lesson, "REQUEST"),
      ),
      ...confirmed.map((student) =>
        draft(
          ctx,
          fact.sessionId,
          student,
          { kind, lesson, role: "student", otherParty: fact.provider.name },
          lessonInvite(ctx, fact.sessionId, student, `Lesson with ${fact.provider.name}`, lesson, "REQUEST"),
        ),
      ),
    ];
  });
}

export interface DispatchReport {
  sent: number;
  /** Attempts that failed in this run (rescheduled or given up). */
  failed: number;
  /** Rows that reached MAX_ATTEMPTS in this run and are now FAILED. */
  gaveUp: number;
}

/**
 * Sends due PENDING rows (oldest first, at most DISPATCH_LIMIT). Each row is claimed first by a
 * conditional UPDATE of next_attempt_at, so two overlapping runs never send the same row.
 */
export async function dispatchDueEmails(deps: Deps, mailer: Mailer): Promise<DispatchReport> {
  const now = deps.now();
  const due = await deps.db
    .select()
    .from(emailOutbox)
    .where(and(eq(emailOutbox.status, "PENDING"), lte(emailOutbox.nextAttemptAt, now)))
    .orderBy(asc(emailOutbox.nextAttemptAt))
    .limit(DISPATCH_LIMIT);
  const report: DispatchReport = { sent: 0, failed: 0, gaveUp: 0 };
  for (let i = 0; i < due.length; i += SEND_CONCURRENCY) {
    const outcomes = await Promise.all(
      due.slice(i, i + SEND_CONCURRENCY).map((row) => sendOne(deps, mailer, row)),
    );
    for (const outcome of outcomes) {
      if (outcome === "sent") report.sent += 1;
      if (outcome === "retry" || outcome === "gave-up") report.failed += 1;
      if (outcome === "gave-up") report.gaveUp += 1;
    }
  }
  return report;
}

type OutboxRow = typeof emailOutbox.$inferSelect;

async function sendOne(
  deps: Deps,
  mailer: Mailer,
  row: OutboxRow,
): Promise<"sent" | "retry" | "gave-up" | "skipped"> {
  const now = deps.now();
  const claim = await statement(
    deps.d1,
    sql`UPDATE email_outbox SET next_attempt_at = ${now + CLAIM_MS}
         WHERE id = ${row.id} AND status = 'PENDING' AND next_attempt_at = ${row.nextAttemptAt}`,
  ).run();
  if (claim.meta.changes !== 1) return "skipped";
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
    await statement(
      deps.d1,
      sql`UPDATE email_outbox
             SET attempts = ${attempts}, last_error = ${message}, status = ${gaveUp ? "FAILED" : "PENDING"},
                 next_attempt_at = ${deps.now() + (gaveUp ? 0 : retryDelayMs(attempts))}
           WHERE id = ${row.id} AND status = 'PENDING'`,
    ).run();
    return gaveUp ? "gave-up" : "retry";
  }
  await statement(
    deps.d1,
    sql`UPDATE email_outbox SET status = 'SENT', sent_at = ${deps.now()}, last_error = NULL
         WHERE id = ${row.id} AND status = 'PENDING'`,
  ).run();
  return "sent";
}

export interface NotificationView {
  id: string;
  kind: string;
  subject: string;
  text: string;
  status: OutboxRow["status"];
  createdAt: string;
  sentAt: string | null;
}

/** The caller's mailbox: what was (or will be) emailed to them, newest first. */
export async function listNotifications(
  deps: Deps,
  userId: string,
  limit = 100,
): Promise<NotificationView[]> {
  const rows = await deps.db
    .select()
    .from(emailOutbox)
    .where(eq(emailOutbox.userId, userId))
    .orderBy(desc(emailOutbox.createdAt), desc(emailOutbox.id))
    .limit(limit);
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
