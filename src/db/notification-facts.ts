import { type SQL, sql } from "drizzle-orm";
import type { NotificationKind } from "../domain/email-templates";
import { BOOKING_WINDOW_MS } from "../shared/limits";
import { DAY_MS, HOUR_MS } from "../shared/time";
import { lessonMovesSql, lessonRootSql } from "./calendar-records";
import { statement } from "./statements";

/**
 * All the SQL of notifications. Fact scans find what happened (a confirmed booking, a refund, a
 * cancelled session, a lesson about to start, a student's cancel or reschedule, a tutor who never
 * showed, a waitlist offer made or lapsed) and still lacks an outbox row for some recipient,
 * by the same dedupe key `dedupeKey()` writes; the outbox half queues, claims and settles rows
 * and lists a user's mailbox.
 */

/** Facts older than this are not looked at any more (a missed week of cron is a bigger problem). */
export const SCAN_WINDOW_MS = 7 * DAY_MS;
/** Bookings are made at most 28 days ahead, so a refund within the scan window belongs to a booking this young. */
const REFUND_BOOKING_AGE_MS = BOOKING_WINDOW_MS + SCAN_WINDOW_MS;
/** Facts per scan and run; the next run (every 5 minutes) picks up the rest. */
export const SCAN_LIMIT = 50;

/** Someone an email goes to. */
export interface Person {
  id: string;
  email: string;
  name: string;
  /** IANA zone. */
  timezone: string;
  /** BCP 47 tag (users.locale): how their emails write dates and amounts. */
  locale: string;
}

/** A lesson's time and session; `group` words the provider's calendar title. */
export interface LessonFact {
  sessionId: string;
  startsAt: number;
  endsAt: number;
  group: boolean;
  /** slots.version: the provider's calendar SEQUENCE counts the slot's edits. */
  slotVersion: number;
}

/** Where a student's booking stands in its reschedule chain: their calendar event (see lesson-calendar). */
export interface BookingChain {
  /** The chain's first booking (the booking itself when it was never moved). */
  firstBookingId: string;
  /** Reschedules from the first booking to this one. */
  moves: number;
}

/** A session's participant with the booking that seats them. */
export interface Participant extends Person, BookingChain {
  bookingId: string;
}

export interface ConfirmedBookingFact extends LessonFact {
  bookingId: string;
  amount: number;
  currency: string;
  student: Person;
  provider: Person;
}

export interface RefundFact extends BookingChain {
  bookingId: string;
  /** Null for a booking that never got its session. */
  sessionId: string | null;
  startsAt: number;
  endsAt: number;
  paymentStatus: string;
  /** What went back (REFUNDED, PARTIALLY_REFUNDED) or is going back (REFUND_PENDING), minor units. */
  refundAmount: number;
  currency: string;
  student: Person;
  providerName: string;
}

export interface RefundFailedFact {
  refundId: string;
  startsAt: number;
  endsAt: number;
  amount: number;
  currency: string;
  student: Person;
  provider: Person;
}

export interface SessionFact extends LessonFact {
  provider: Person;
  /** The participants the scan's filter selects (confirmed seats), in booking order. */
  participants: Participant[];
}

/** To the provider: a student cancelled a confirmed booking. */
export interface StudentCancelledFact {
  bookingId: string;
  startsAt: number;
  endsAt: number;
  /** amount − retained_amount: what the student gets back under the booking's policy. */
  refundAmount: number;
  currency: string;
  studentName: string;
  provider: Person;
}

/** A booking moved to another slot: the lesson fields are the new booking's, `previous` the old slot. */
export interface RescheduledFact extends LessonFact, BookingChain {
  /** The new booking (its `rescheduled_from` is the old one). */
  bookingId: string;
  previous: { startsAt: number; endsAt: number };
  /** old amount − new amount, refunded on the same payment. */
  refundAmount: number;
  currency: string;
  student: Person;
  provider: Person;
}

/** A student's booking cancelled because the tutor never joined; refunded in full. */
export interface ProviderNoShowFact {
  bookingId: string;
  startsAt: number;
  endsAt: number;
  amount: number;
  currency: string;
  /** The booking's payment status, null without a payments row. */
  paymentStatus: string | null;
  student: Person;
  providerName: string;
}

/** A waitlist entry that was offered a seat (and, for a lapse, did not take it in time). */
export interface WaitlistOfferFact {
  entryId: string;
  slotId: string;
  startsAt: number;
  endsAt: number;
  offerExpiresAt: number;
  student: Person;
  providerName: string;
}

/** The D1 half of the scans: each returns at most SCAN_LIMIT facts with a recipient still unqueued. */
export interface NotificationFacts {
  confirmedBookings(now: number): Promise<ConfirmedBookingFact[]>;
  /**
   * Cancelled bookings whose captured money is going back or went back, except reschedules and
   * provider no-shows (their own emails say it).
   */
  refunds(now: number): Promise<RefundFact[]>;
  /** Failed refunds while the payment still stands at REFUND_FAILED. */
  failedRefunds(now: number): Promise<RefundFailedFact[]>;
  /** Sessions the instructor cancelled (not no-shows), with the seats still confirmed at that moment. */
  cancelledSessions(now: number): Promise<SessionFact[]>;
  /** Scheduled sessions starting within 24 h, with their confirmed seats. */
  dueReminders(now: number): Promise<SessionFact[]>;
  /** Confirmed bookings their student cancelled (cancelled_by STUDENT). */
  studentCancellations(now: number): Promise<StudentCancelledFact[]>;
  /** Reschedules (old booking cancelled_by RESCHEDULE) whose new lesson has not ended. */
  reschedules(now: number): Promise<RescheduledFact[]>;
  /** Bookings cancelled because the provider never showed (cancelled_by PROVIDER_NO_SHOW). */
  providerNoShows(now: number): Promise<ProviderNoShowFact[]>;
  /** Entries holding an offer that has not run out, for lessons not yet started. */
  waitlistOffers(now: number): Promise<WaitlistOfferFact[]>;
  /** Entries whose offer ran out (EXPIRED with offered_at), for lessons not yet started. */
  waitlistLapses(now: number): Promise<WaitlistOfferFact[]>;
}

const personColumns = (alias: string, prefix: string) =>
  sql.raw(
    `${alias}.id AS ${prefix}Id, ${alias}.email AS ${prefix}Email, ${alias}.name AS ${prefix}Name, ` +
      `${alias}.timezone AS ${prefix}Timezone, ${alias}.locale AS ${prefix}Locale`,
  );

type PersonColumns<P extends string> = Record<
  `${P}Id` | `${P}Email` | `${P}Name` | `${P}Timezone` | `${P}Locale`,
  string
>;

function person<P extends string>(row: PersonColumns<P>, prefix: P): Person {
  return {
    id: row[`${prefix}Id`],
    email: row[`${prefix}Email`],
    name: row[`${prefix}Name`],
    timezone: row[`${prefix}Timezone`],
    locale: row[`${prefix}Locale`],
  };
}

/** SQL for the dedupe key of `kind` on the given columns; must equal `dedupeKey()`. */
function keySql(kind: NotificationKind | SQL, subjectColumn: string, userColumn: string): SQL {
  const prefix = typeof kind === "string" ? sql`${kind}` : kind;
  return sql`${prefix} || ':' || ${sql.raw(subjectColumn)} || ':' || ${sql.raw(userColumn)}`;
}

function notQueued(key: SQL): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM email_outbox o WHERE o.dedupe_key = ${key})`;
}

/** Over `b` (a booking): its own cancellation is told by a more specific email than the refund one. */
const refundToldElsewhere = sql`COALESCE(b.cancelled_by, '') IN ('RESCHEDULE', 'PROVIDER_NO_SHOW')`;

/**
 * Over `b` and `pay`: what reschedules already gave back on this payment before this booking.
 * A reschedule moves the payment to the new booking and refunds the price difference, so a
 * booking at the end of a chain owes the captured amount minus its own price for earlier moves.
 */
const refundedForReschedules = sql`CASE WHEN b.rescheduled_from IS NOT NULL
  THEN MAX(0, pay.amount_captured - b.amount) ELSE 0 END`;

/**
 * Over `sp` (a participant) and `ts` (its session): the seat was still confirmed when the
 * instructor cancelled. The cancel stamps ts.ended_at and then withdraws the seats, so a seat the
 * cancel withdrew has its booking changed at or after ended_at, while a student who had cancelled
 * earlier has a booking frozen (CANCELLED) before it. Without ended_at nobody can tell: all count.
 */
const seatedWhenCancelled = sql`(sp.status = 'CONFIRMED' OR ts.ended_at IS NULL
  OR EXISTS (SELECT 1 FROM bookings sb WHERE sb.id = sp.booking_id AND sb.updated_at >= ts.ended_at))`;

type SessionFactRow = PersonColumns<"provider"> & {
  sessionId: string;
  startsAt: number;
  endsAt: number;
  isGroup: number;
  slotVersion: number;
};

export function createNotificationFacts(d1: D1Database): NotificationFacts {
  /**
   * Sessions matching `where` (over `s` slots, `ts` sessions) where some recipient lacks `key`, with
   * the participants that `participantFilter` (over `sp` participants, `ts`) selects as recipients:
   * one filter for "who is missing an email" and "who gets it", so the two never disagree.
   */
  async function findSessionFacts(where: SQL, key: SQL, participantFilter: SQL): Promise<SessionFact[]> {
    const { results } = await statement(
      d1,
      sql`
        SELECT ts.id AS sessionId, s.starts_at AS startsAt, s.ends_at AS endsAt,
               s.session_type = 'GROUP' AS isGroup, s.version AS slotVersion, ${personColumns("p", "provider")}
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
      results.map((r) => r.sessionId),
      participantFilter,
    );
    return results.map((row) => ({
      sessionId: row.sessionId,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      group: row.isGroup === 1,
      slotVersion: row.slotVersion,
      provider: person(row, "provider"),
      participants: participants.get(row.sessionId) ?? [],
    }));
  }

  /** The participants of these sessions (at most SCAN_LIMIT ids, one query) that `filter` selects. */
  async function loadRecipients(sessionIds: string[], filter: SQL): Promise<Map<string, Participant[]>> {
    const bySession = new Map<string, Participant[]>();
    if (sessionIds.length === 0) return bySession;
    const ids = sql.join(
      sessionIds.map((id) => sql`${id}`),
      sql`, `,
    );
    const { results } = await statement(
      d1,
      sql`
        SELECT sp.session_id AS sessionId, sp.booking_id AS bookingId,
               ${lessonRootSql("sp.booking_id")} AS firstBookingId, ${lessonMovesSql("sp.booking_id")} AS moves,
               ${personColumns("u", "user")}
          FROM session_participants sp
          JOIN teaching_sessions ts ON ts.id = sp.session_id
          JOIN users u ON u.id = sp.user_id
         WHERE sp.session_id IN (${ids}) AND ${filter}
         ORDER BY sp.joined_at, u.name`,
    ).all<PersonColumns<"user"> & { sessionId: string } & Omit<Participant, keyof Person>>();
    for (const row of results) {
      const list = bySession.get(row.sessionId) ?? [];
      const { bookingId, firstBookingId, moves } = row;
      list.push({ ...person(row, "user"), bookingId, firstBookingId, moves });
      bySession.set(row.sessionId, list);
    }
    return bySession;
  }

  /** Waitlist entries matching `where` (over `w`) of lessons not yet started, still unqueued for `kind`. */
  async function findWaitlistFacts(
    where: SQL,
    kind: "waitlist-offered" | "waitlist-lapsed",
    now: number,
  ): Promise<WaitlistOfferFact[]> {
    const { results } = await statement(
      d1,
      sql`
        SELECT w.id AS entryId, w.slot_id AS slotId, w.offer_expires_at AS offerExpiresAt,
               s.starts_at AS startsAt, s.ends_at AS endsAt,
               ${personColumns("st", "student")}, p.name AS providerName
          FROM waitlist_entries w
          JOIN slots s ON s.id = w.slot_id
          JOIN users st ON st.id = w.student_id
          JOIN users p ON p.id = s.provider_id
         WHERE ${where}
           AND s.starts_at > ${now}
           AND ${notQueued(keySql(kind, "w.id", "w.student_id"))}
         ORDER BY w.offered_at
         LIMIT ${SCAN_LIMIT}`,
    ).all<PersonColumns<"student"> & Omit<WaitlistOfferFact, "student">>();
    return results.map((row) => ({
      entryId: row.entryId,
      slotId: row.slotId,
      startsAt: row.startsAt,
      endsAt: row.endsAt,
      offerExpiresAt: row.offerExpiresAt,
      student: person(row, "student"),
      providerName: row.providerName,
    }));
  }

  return {
    async confirmedBookings(now) {
      const { results } = await statement(
        d1,
        sql`
          SELECT b.id AS bookingId, COALESCE(b.session_id, b.id) AS sessionId, b.amount AS amount,
                 b.currency AS currency, s.starts_at AS startsAt, s.ends_at AS endsAt,
                 s.session_type = 'GROUP' AS isGroup, s.version AS slotVersion,
                 ${personColumns("st", "student")}, ${personColumns("p", "provider")}
            FROM bookings b
            JOIN slots s ON s.id = b.slot_id
            JOIN users st ON st.id = b.student_id
            JOIN users p ON p.id = s.provider_id
           WHERE b.status = 'CONFIRMED'
             -- A rescheduled booking is told by the reschedule scan, not as a new booking.
             AND b.rescheduled_from IS NULL
             -- A booking is confirmed within minutes of its hold, so this bounds the scan by the
             -- (status, hold_expires_at) index to bookings of the last week.
             AND b.hold_expires_at >= ${now - SCAN_WINDOW_MS}
             AND s.ends_at > ${now}
             AND (${notQueued(keySql("booking-confirmed", "b.id", "b.student_id"))}
                  OR ${notQueued(keySql("booking-new", "b.id", "p.id"))})
           ORDER BY b.hold_expires_at
           LIMIT ${SCAN_LIMIT}`,
      ).all<
        PersonColumns<"student"> &
          PersonColumns<"provider"> &
          Omit<ConfirmedBookingFact, "student" | "provider" | "group"> & { isGroup: number }
      >();
      return results.map(({ isGroup, ...row }) => ({
        bookingId: row.bookingId,
        sessionId: row.sessionId,
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        group: isGroup === 1,
        slotVersion: row.slotVersion,
        amount: row.amount,
        currency: row.currency,
        student: person(row, "student"),
        provider: person(row, "provider"),
      }));
    },

    async refunds(now) {
      // The amount: what Stripe gave back (REFUNDED, PARTIALLY_REFUNDED) or is giving back
      // (REFUND_PENDING: the pending refunds, or everything captured not yet refunded before the
      // refund exists, less what the policy lets the provider keep). Only money that was captured:
      // a released authorization never moved any. Reschedules and no-shows have their own emails.
      const { results } = await statement(
        d1,
        sql`
          SELECT b.id AS bookingId, b.session_id AS sessionId, pay.status AS paymentStatus,
                 ${lessonRootSql("b.id")} AS firstBookingId, ${lessonMovesSql("b.id")} AS moves,
                 pay.currency AS currency,
                 CASE WHEN pay.status != 'REFUND_PENDING' THEN pay.refunded_amount - ${refundedForReschedules}
                      WHEN pay.refund_pending_amount > 0 THEN pay.refund_pending_amount
                      ELSE pay.amount_captured - pay.refunded_amount - b.retained_amount END AS refundAmount,
                 s.starts_at AS startsAt, s.ends_at AS endsAt,
                 ${personColumns("st", "student")}, p.name AS providerName
            FROM bookings b
            JOIN payments pay ON pay.booking_id = b.id
            JOIN slots s ON s.id = b.slot_id
            JOIN users st ON st.id = b.student_id
            JOIN users p ON p.id = s.provider_id
           WHERE b.status IN ('CANCELLED', 'EXPIRED')
             AND NOT ${refundToldElsewhere}
             AND b.hold_expires_at >= ${now - REFUND_BOOKING_AGE_MS}
             AND pay.status IN ('REFUND_PENDING', 'PARTIALLY_REFUNDED', 'REFUNDED')
             AND pay.amount_captured > 0
             AND pay.updated_at >= ${now - SCAN_WINDOW_MS}
             AND ${notQueued(keySql("booking-refund", "b.id", "b.student_id"))}
           ORDER BY pay.updated_at
           LIMIT ${SCAN_LIMIT}`,
      ).all<PersonColumns<"student"> & Omit<RefundFact, "student">>();
      return results.map((row) => ({
        bookingId: row.bookingId,
        sessionId: row.sessionId,
        firstBookingId: row.firstBookingId,
        moves: row.moves,
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        paymentStatus: row.paymentStatus,
        refundAmount: row.refundAmount,
        currency: row.currency,
        student: person(row, "student"),
        providerName: row.providerName,
      }));
    },

    async failedRefunds(now) {
      const { results } = await statement(
        d1,
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
             AND r.updated_at >= ${now - SCAN_WINDOW_MS}
             AND (${notQueued(keySql("refund-failed", "r.id", "st.id"))}
                  OR ${notQueued(keySql("refund-failed", "r.id", "p.id"))})
           ORDER BY r.updated_at
           LIMIT ${SCAN_LIMIT}`,
      ).all<
        PersonColumns<"student"> & PersonColumns<"provider"> & Omit<RefundFailedFact, "student" | "provider">
      >();
      return results.map((row) => ({
        refundId: row.refundId,
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        amount: row.amount,
        currency: row.currency,
        student: person(row, "student"),
        provider: person(row, "provider"),
      }));
    },

    cancelledSessions(now) {
      return findSessionFacts(
        // Only lessons not long past are worth telling about; the slots_start index bounds the scan.
        // A no-show cancel is the provider's failure, not their decision: providerNoShows() tells it.
        sql`s.starts_at >= ${now - DAY_MS} AND ts.status = 'CANCELLED'
            AND COALESCE(ts.cancel_reason, '') != 'PROVIDER_NO_SHOW'`,
        sql`${"session-cancelled"}`,
        seatedWhenCancelled,
      );
    },

    dueReminders(now) {
      return findSessionFacts(
        sql`s.starts_at > ${now} AND s.starts_at <= ${now + DAY_MS}
            AND ts.status = 'SCHEDULED' AND s.status != 'CANCELLED'
            AND EXISTS (SELECT 1 FROM session_participants c WHERE c.session_id = ts.id AND c.status = 'CONFIRMED')`,
        // Same rule as dueReminder(): the 1 h reminder from start−1h on.
        sql`CASE WHEN s.starts_at - ${now} <= ${HOUR_MS} THEN 'reminder-1h' ELSE 'reminder-24h' END`,
        sql`sp.status = 'CONFIRMED'`,
      );
    },

    async studentCancellations(now) {
      // session_id is set only by the confirmation, so it tells a cancelled seat from a dropped hold.
      const { results } = await statement(
        d1,
        sql`
          SELECT b.id AS bookingId, MAX(0, b.amount - b.retained_amount) AS refundAmount, b.currency AS currency,
                 s.starts_at AS startsAt, s.ends_at AS endsAt, st.name AS studentName,
                 ${personColumns("p", "provider")}
            FROM bookings b
            JOIN slots s ON s.id = b.slot_id
            JOIN users st ON st.id = b.student_id
            JOIN users p ON p.id = s.provider_id
           WHERE b.cancelled_by = 'STUDENT' AND b.cancelled_at >= ${now - SCAN_WINDOW_MS}
             AND b.status = 'CANCELLED' AND b.session_id IS NOT NULL
             AND ${notQueued(keySql("student-cancelled", "b.id", "p.id"))}
           ORDER BY b.cancelled_at
           LIMIT ${SCAN_LIMIT}`,
      ).all<PersonColumns<"provider"> & Omit<StudentCancelledFact, "provider">>();
      return results.map((row) => ({
        bookingId: row.bookingId,
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        refundAmount: row.refundAmount,
        currency: row.currency,
        studentName: row.studentName,
        provider: person(row, "provider"),
      }));
    },

    async reschedules(now) {
      const { results } = await statement(
        d1,
        sql`
          SELECT b.id AS bookingId, COALESCE(b.session_id, b.id) AS sessionId,
                 ns.starts_at AS startsAt, ns.ends_at AS endsAt, ns.session_type = 'GROUP' AS isGroup,
                 ns.version AS slotVersion, ${lessonRootSql("b.id")} AS firstBookingId,
                 ${lessonMovesSql("b.id")} AS moves,
                 os.starts_at AS previousStartsAt, os.ends_at AS previousEndsAt,
                 MAX(0, o.amount - b.amount) AS refundAmount, b.currency AS currency,
                 ${personColumns("st", "student")}, ${personColumns("p", "provider")}
            FROM bookings o
            JOIN bookings b ON b.id = o.rescheduled_to AND b.rescheduled_from = o.id
            JOIN slots os ON os.id = o.slot_id
            JOIN slots ns ON ns.id = b.slot_id
            JOIN users st ON st.id = b.student_id
            JOIN users p ON p.id = ns.provider_id
           WHERE o.cancelled_by = 'RESCHEDULE' AND o.cancelled_at >= ${now - SCAN_WINDOW_MS}
             AND o.status = 'CANCELLED'
             AND ns.ends_at > ${now}
             AND (${notQueued(keySql("booking-rescheduled", "b.id", "b.student_id"))}
                  OR ${notQueued(keySql("booking-rescheduled", "b.id", "p.id"))})
           ORDER BY o.cancelled_at
           LIMIT ${SCAN_LIMIT}`,
      ).all<
        PersonColumns<"student"> &
          PersonColumns<"provider"> &
          Omit<RescheduledFact, "student" | "provider" | "group" | "previous"> & {
            isGroup: number;
            previousStartsAt: number;
            previousEndsAt: number;
          }
      >();
      return results.map((row) => ({
        bookingId: row.bookingId,
        sessionId: row.sessionId,
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        group: row.isGroup === 1,
        slotVersion: row.slotVersion,
        firstBookingId: row.firstBookingId,
        moves: row.moves,
        previous: { startsAt: row.previousStartsAt, endsAt: row.previousEndsAt },
        refundAmount: row.refundAmount,
        currency: row.currency,
        student: person(row, "student"),
        provider: person(row, "provider"),
      }));
    },

    async providerNoShows(now) {
      const { results } = await statement(
        d1,
        sql`
          SELECT b.id AS bookingId, b.amount AS amount, b.currency AS currency, pay.status AS paymentStatus,
                 s.starts_at AS startsAt, s.ends_at AS endsAt,
                 ${personColumns("st", "student")}, p.name AS providerName
            FROM bookings b
            JOIN slots s ON s.id = b.slot_id
            JOIN users st ON st.id = b.student_id
            JOIN users p ON p.id = s.provider_id
            LEFT JOIN payments pay ON pay.booking_id = b.id
           WHERE b.cancelled_by = 'PROVIDER_NO_SHOW' AND b.cancelled_at >= ${now - SCAN_WINDOW_MS}
             AND b.status = 'CANCELLED'
             AND ${notQueued(keySql("provider-no-show", "b.id", "b.student_id"))}
           ORDER BY b.cancelled_at
           LIMIT ${SCAN_LIMIT}`,
      ).all<PersonColumns<"student"> & Omit<ProviderNoShowFact, "student">>();
      return results.map((row) => ({
        bookingId: row.bookingId,
        startsAt: row.startsAt,
        endsAt: row.endsAt,
        amount: row.amount,
        currency: row.currency,
        paymentStatus: row.paymentStatus,
        student: person(row, "student"),
        providerName: row.providerName,
      }));
    },

    waitlistOffers(now) {
      // Told only while it can still be taken: an offer already booked or lapsed needs no invitation.
      return findWaitlistFacts(
        sql`w.status = 'OFFERED' AND w.offered_at >= ${now - SCAN_WINDOW_MS} AND w.offer_expires_at > ${now}`,
        "waitlist-offered",
        now,
      );
    },

    waitlistLapses(now) {
      return findWaitlistFacts(
        sql`w.status = 'EXPIRED' AND w.offered_at IS NOT NULL AND w.offer_expires_at >= ${now - SCAN_WINDOW_MS}`,
        "waitlist-lapsed",
        now,
      );
    },
  };
}
