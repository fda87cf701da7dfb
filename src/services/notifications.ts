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
import { buildLessonInvite } from "./calendar";

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
  /** Rows (facts or drafts) that failed in this run; counted, logged, and left for the next run. */
  failed: number;
}

/**
 * Builds drafts row by row: a row that cannot be turned into an email (a currency Intl does not
 * know, a broken invite) is logged and counted, and the other rows still go out.
 */
function perRow<R>(ctx: ScanContext, scan: string, rows: readonly R[], build: (row: R) => Draft[]): Draft[] {
  return rows.flatMap((row) => {
    try {
      return build(row);
    } catch (error) {
      ctx.failed += 1;
      console.error("notification row failed", scan, error);
      return [];
    }
  });
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

export interface ScanReport {
  /** New outbox rows. */
  queued: number;
  /** Scans or rows that failed in this run (logged; the next run tries again). */
  failed: number;
}

/** Runs every scan and queues what is missing, isolating failures per scan and per row. */
export async function scanDueNotifications(deps: Deps): Promise<ScanReport> {
  const ctx: ScanContext = {
    now: deps.now(),
    appUrl: deps.env.APP_ORIGIN || undefined,
    organizer: { name: "Lectern", email: senderEmail(deps.env.EMAIL_FROM) },
    failed: 0,
  };
  const scans = {
    confirmedBookingDrafts,
    refundDrafts,
    refundFailedDrafts,
    cancelledSessionDrafts,
    reminderDrafts,
  };
  let queued = 0;
  for (const [name, scan] of Object.entries(scans)) {
    // One broken scan must not keep the others (or the dispatcher) from running.
    try {
      queued += await insertDrafts(deps, ctx, await scan(deps, ctx));
    } catch (error) {
      ctx.failed += 1;
      console.error("notification scan failed", name, error);
    }
  }
  return { queued, failed: ctx.failed };
}

/** Runs every scan and queues what is missing. Returns the number of new outbox rows. */
export async function enqueueDueNotifications(deps: Deps): Promise<number> {
  return (await scanDueNotifications(deps)).queued;
}

function insertDraft(deps: Deps, d: Draft): SQL {
  return sql`
    INSERT INTO email_outbox (id, dedupe_key, user_id, to_address, kind, subject, text_body, html_body, ics,
                              status, attempts, created_at, next_attempt_at)
    VALUES (${newId("eml")}, ${d.key}, ${d.userId}, ${d.to}, ${d.kind}, ${d.email.subject}, ${d.email.text},
            ${d.email.html}, ${d.ics}, 'PENDING', 0, ${deps.now()}, ${deps.now()})
    ON CONFLICT(dedupe_key) DO NOTHING`;
}

/** Inserts in batches; a batch that fails is retried row by row, so one bad row stays alone. */
async function insertDrafts(deps: Deps, ctx: ScanContext, drafts: Draft[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < drafts.length; i += INSERT_CHUNK) {
    const chunk = drafts.slice(i, i + INSERT_CHUNK);
    try {
      const results = await runBatch(
        deps.d1,
        chunk.map((d) => insertDraft(deps, d)),
      );
      inserted += results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
    } catch {
      for (const d of chunk) {
        try {
          inserted += (await statement(deps.d1, insertDraft(deps, d)).run()).meta.changes ?? 0;
        } catch (error) {
          ctx.failed += 1;
          console.error("notification insert failed", d.key, error);
        }
      }
    }
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
  return perRow(ctx, "confirmedBookingDrafts", results, (row) => {
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
  refundAmount: number;
  paymentStatus: string;
  currency: string;
  startsAt: number;
  endsAt: number;
  providerName: string;
};

/**
 * Cancelled bookings whose captured money is going back (or went back): the student hears how
 * much. Only money that was captured: a released authorization never moved any. The amount is
 * what Stripe gave back (REFUNDED, PARTIALLY_REFUNDED) or is giving back (REFUND_PENDING: the
 * pending refunds, or everything captured not yet refunded before the refund exists).
 */
async function refundDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const { results } = await statement(
    deps.d1,
    sql`
      SELECT b.id AS bookingId, b.session_id AS sessionId, pay.status AS paymentStatus, pay.currency AS currency,
             CASE WHEN pay.status != 'REFUND_PENDING' THEN pay.refunded_amount
                  WHEN pay.refund_pending_amount > 0 THEN pay.refund_pending_amount
                  ELSE pay.amount_captured - pay.refunded_amount END AS refundAmount,
             s.starts_at AS startsAt, s.ends_at AS endsAt,
             ${personColumns("st", "student")}, p.name AS providerName
        FROM bookings b
        JOIN payments pay ON pay.booking_id = b.id
        JOIN slots s ON s.id = b.slot_id
        JOIN users st ON st.id = b.student_id
        JOIN users p ON p.id = s.provider_id
       WHERE b.status IN ('CANCELLED', 'EXPIRED')
         AND b.hold_expires_at >= ${ctx.now - REFUND_BOOKING_AGE_MS}
         AND pay.status IN ('REFUND_PENDING', 'PARTIALLY_REFUNDED', 'REFUNDED')
         AND pay.amount_captured > 0
         AND pay.updated_at >= ${ctx.now - SCAN_WINDOW_MS}
         AND ${notQueued(keySql("booking-refund", "b.id", "b.student_id"))}
       ORDER BY pay.updated_at
       LIMIT ${SCAN_LIMIT}`,
  ).all<RefundFactRow>();
  return perRow(ctx, "refundDrafts", results, (row) => {
    if (row.refundAmount <= 0) return [];
    const student = person(row, "student");
    const lesson = { startsAt: row.startsAt, endsAt: row.endsAt };
    return [
      draft(
        ctx,
        row.bookingId,
        student,
        {
          kind: "booking-refund",
          lesson,
          providerName: row.providerName,
          amount: row.refundAmount,
          currency: row.currency,
          refund: row.paymentStatus === "REFUND_PENDING" ? "pending" : "done",
        },
        row.sessionId
          ? lessonInvite(ctx, row.sessionId, student, `Lesson with ${row.providerName}`, lesson, "CANCEL")
          : null,
      ),
    ];
  });
}

type RefundFailedRow = PersonColumns<"student"> &
  PersonColumns<"provider"> & {
    refundId: string;
    amount: number;
    currency: string;
    startsAt: number;
    endsAt: number;
  };

/**
 * Refunds Stripe could not complete while the payment still stands at REFUND_FAILED: the student
 * and the provider each hear once per failed refund (by its id) that support will follow up.
 */
async function refundFailedDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const { results } = await statement(
    deps.d1,
    sql`
      SELECT r.id AS refundId, r.amount AS amount, r.currency AS currency,
             s.starts_at AS startsAt, s.ends_at AS endsAt,
             ${personColumns("st", "student")}, ${personColumns("p", "provider")}
        FROM refunds r
        JOIN payments pay ON pay.payment_intent_id = r.payment_intent_id
        LEFT JOIN bookings b ON b.id = pay.booking_id
        JOIN slots s ON s.id = COALESCE(pay.slot_id, b.slot_id)
        JOIN users st ON st.id = COALESCE(pay.student_id, b.student_id)
        JOIN users p ON p.id = s.provider_id
       WHERE r.status = 'failed'
         AND pay.status = 'REFUND_FAILED'
         AND r.updated_at >= ${ctx.now - SCAN_WINDOW_MS}
         AND (${notQueued(keySql("refund-failed", "r.id", "st.id"))}
              OR ${notQueued(keySql("refund-failed", "r.id", "p.id"))})
       ORDER BY r.updated_at
       LIMIT ${SCAN_LIMIT}`,
  ).all<RefundFailedRow>();
  return perRow(ctx, "refundFailedDrafts", results, (row) => {
    const student = person(row, "student");
    const provider = person(row, "provider");
    const fact = {
      lesson: { startsAt: row.startsAt, endsAt: row.endsAt },
      amount: row.amount,
      currency: row.currency,
    };
    return [
      draft(ctx, row.refundId, student, {
        kind: "refund-failed",
        role: "student",
        otherParty: provider.name,
        ...fact,
      }),
      draft(ctx, row.refundId, provider, {
        kind: "refund-failed",
        role: "provider",
        otherParty: student.name,
        ...fact,
      }),
    ];
  });
}

interface SessionFact {
  sessionId: string;
  startsAt: number;
  endsAt: number;
  provider: Person;
  /** The participants `participantFilter` selects, in booking order. */
  participants: Person[];
}

type SessionFactRow = PersonColumns<"provider"> & { sessionId: string; startsAt: number; endsAt: number };

/**
 * Sessions matching `where` (over `s` slots, `ts` sessions) where some recipient lacks `key`, with
 * the participants that `participantFilter` (over `sp` participants, `ts`) selects as recipients:
 * one filter for "who is missing an email" and "who gets it", so the two never disagree.
 */
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
  const participants = await loadRecipients(
    deps,
    results.map((r) => r.sessionId),
    participantFilter,
  );
  return results.map((row) => ({
    sessionId: row.sessionId,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    provider: person(row, "provider"),
    participants: participants.get(row.sessionId) ?? [],
  }));
}

/** The participants of these sessions (at most SCAN_LIMIT ids, one query) that `filter` selects. */
async function loadRecipients(deps: Deps, sessionIds: string[], filter: SQL): Promise<Map<string, Person[]>> {
  const bySession = new Map<string, Person[]>();
  if (sessionIds.length === 0) return bySession;
  const { results } = await statement(
    deps.d1,
    sql`
      SELECT sp.session_id AS sessionId, ${personColumns("u", "user")}
        FROM session_participants sp
        JOIN teaching_sessions ts ON ts.id = sp.session_id
        JOIN users u ON u.id = sp.user_id
       WHERE sp.session_id IN (${sql.join(
         sessionIds.map((id) => sql`${id}`),
         sql`, `,
       )})
         AND ${filter}
       ORDER BY sp.joined_at, u.name`,
  ).all<PersonColumns<"user"> & { sessionId: string }>();
  for (const row of results) {
    const list = bySession.get(row.sessionId) ?? [];
    list.push(person(row, "user"));
    bySession.set(row.sessionId, list);
  }
  return bySession;
}

/**
 * Over `sp` (a participant) and `ts` (its session): the seat was still confirmed when the
 * instructor cancelled. The cancel stamps ts.ended_at and then withdraws the seats, so a seat the
 * cancel withdrew has its booking changed at or after ended_at, while a student who had cancelled
 * earlier has a booking frozen (CANCELLED) before it. Without ended_at nobody can tell: all count.
 */
const seatedWhenCancelled = sql`(sp.status = 'CONFIRMED' OR ts.ended_at IS NULL
  OR EXISTS (SELECT 1 FROM bookings sb WHERE sb.id = sp.booking_id AND sb.updated_at >= ts.ended_at))`;

/**
 * Sessions the instructor cancelled: the provider and every participant whose seat was still
 * confirmed at that moment (not students who had cancelled before), with a METHOD:CANCEL file.
 */
async function cancelledSessionDrafts(deps: Deps, ctx: ScanContext): Promise<Draft[]> {
  const facts = await findSessionFacts(
    deps,
    // Only lessons not long past are worth telling about; the slots_start index bounds the scan.
    sql`s.starts_at >= ${ctx.now - DAY_MS} AND ts.status = 'CANCELLED'`,
    sql`${"session-cancelled"}`,
    seatedWhenCancelled,
  );
  return perRow(ctx, "cancelledSessionDrafts", facts, (fact) => {
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
  return perRow(ctx, "reminderDrafts", facts, (fact) => {
    const kind = dueReminder(fact.startsAt, ctx.now);
    const confirmed = fact.participants;
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
  /** Attempts that failed in this run (rescheduled, given up, or a row whose bookkeeping failed). */
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
      due.slice(i, i + SEND_CONCURRENCY).map((row) =>
        // One row whose bookkeeping fails (D1 hiccup) is counted and retried once its claim lapses.
        sendOne(deps, mailer, row).catch((error: unknown) => {
          console.error("email dispatch failed", row.id, error);
          return "error" as const;
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
