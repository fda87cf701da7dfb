import { and, asc, eq, gte, inArray, type SQL, sql } from "drizzle-orm";
import type { AuthUser } from "../domain/identity";
import type { Db } from "./client";
import { calendarFeeds, sessionParticipants, slots, teachingSessions, users } from "./schema";
import { statement } from "./statements";

const FEED_LIMIT = 500;
/** D1 allows 100 bound parameters per statement. */
const IN_CHUNK = 90;

type SessionStatus = "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";

export interface ProviderLessonRow {
  sessionId: string;
  status: SessionStatus;
  startsAt: number;
  endsAt: number;
  sessionType: "ONE_TO_ONE" | "GROUP";
  /** slots.version: rises with every edit of the slot's time or shape. */
  slotVersion: number;
}

/** The last booking of one reschedule chain, and where that chain began. */
export interface StudentLessonRow {
  /** The chain's first booking (this booking itself when it was never moved). */
  firstBookingId: string;
  /** How many reschedules lead from the first booking to this one. */
  moves: number;
  /** This booking is no longer CONFIRMED, or its session was cancelled. */
  cancelled: boolean;
  startsAt: number;
  endsAt: number;
  providerName: string;
}

export interface Seat {
  name: string;
  status: "CONFIRMED" | "CANCELLED";
}

/** The lessons behind a person's calendar, and the secret feed URLs that publish it. */
export interface CalendarRecords {
  /** The provider's sessions starting from `since`, by start, at most 500. */
  providerLessons(providerId: string, since: number): Promise<ProviderLessonRow[]>;
  /**
   * The student's lessons starting from `since`, by start, at most 500: one row per reschedule
   * chain (its latest booking), for bookings that were confirmed at some point.
   */
  studentLessons(studentId: string, since: number): Promise<StudentLessonRow[]>;
  /** Each session's seats (any status) with the student's name, in booking order. */
  seatsOf(sessionIds: string[]): Promise<Map<string, Seat[]>>;
  /** Makes `tokenHash` the user's only feed token (the previous one stops working). */
  replaceFeedToken(userId: string, tokenHash: string, now: number): Promise<void>;
  /** Whose feed `tokenHash` opens, if anyone's. */
  feedOwner(tokenHash: string): Promise<AuthUser | undefined>;
}

/**
 * SQL: the first booking of the reschedule chain that `bookingColumn` ends (a correlated walk up
 * `rescheduled_from`, by primary key). Exported so every query that drafts a student's invite can
 * name the same event the feed does.
 */
export function lessonRootSql(bookingColumn: string): SQL {
  return sql`(${chainWalk(bookingColumn)} SELECT chain.id FROM chain WHERE chain.prev IS NULL)`;
}

/** SQL: how many reschedules lead to `bookingColumn` from its chain's first booking. */
export function lessonMovesSql(bookingColumn: string): SQL {
  return sql`(${chainWalk(bookingColumn)} SELECT MAX(chain.moves) FROM chain)`;
}

function chainWalk(bookingColumn: string): SQL {
  return sql`WITH RECURSIVE chain(id, prev, moves) AS (
      SELECT cb.id, cb.rescheduled_from, 0 FROM bookings cb WHERE cb.id = ${sql.raw(bookingColumn)}
      UNION ALL
      SELECT cb.id, cb.rescheduled_from, chain.moves + 1 FROM bookings cb JOIN chain ON cb.id = chain.prev
    )`;
}

export function createCalendarRecords(db: Db, d1: D1Database): CalendarRecords {
  return {
    providerLessons(providerId, since) {
      return db
        .select({
          sessionId: teachingSessions.id,
          status: teachingSessions.status,
          startsAt: slots.startsAt,
          endsAt: slots.endsAt,
          sessionType: slots.sessionType,
          slotVersion: slots.version,
        })
        .from(teachingSessions)
        .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
        .where(and(eq(teachingSessions.providerId, providerId), gte(slots.startsAt, since)))
        .orderBy(asc(slots.startsAt))
        .limit(FEED_LIMIT);
    },

    async studentLessons(studentId, since) {
      // session_id is set by the confirmation, so holds that never got paid stay out. A booking
      // that was moved on (cancelled_by RESCHEDULE) is not a lesson of its own: its chain goes on.
      const { results } = await statement(
        d1,
        sql`
          SELECT ${lessonRootSql("b.id")} AS firstBookingId, ${lessonMovesSql("b.id")} AS moves,
                 (b.status != 'CONFIRMED' OR ts.status = 'CANCELLED') AS cancelled,
                 s.starts_at AS startsAt, s.ends_at AS endsAt, p.name AS providerName
            FROM bookings b
            JOIN slots s ON s.id = b.slot_id
            JOIN teaching_sessions ts ON ts.id = b.session_id
            JOIN users p ON p.id = s.provider_id
           WHERE b.student_id = ${studentId}
             AND COALESCE(b.cancelled_by, '') != 'RESCHEDULE'
             AND s.starts_at >= ${since}
           ORDER BY s.starts_at, b.created_at
           LIMIT ${FEED_LIMIT}`,
      ).all<Omit<StudentLessonRow, "cancelled"> & { cancelled: number }>();
      return results.map((row) => ({ ...row, cancelled: row.cancelled === 1 }));
    },

    async seatsOf(sessionIds) {
      const bySession = new Map<string, Seat[]>();
      for (let i = 0; i < sessionIds.length; i += IN_CHUNK) {
        const rows = await db
          .select({
            sessionId: sessionParticipants.sessionId,
            status: sessionParticipants.status,
            name: users.name,
          })
          .from(sessionParticipants)
          .innerJoin(users, eq(users.id, sessionParticipants.userId))
          .where(inArray(sessionParticipants.sessionId, sessionIds.slice(i, i + IN_CHUNK)))
          .orderBy(asc(sessionParticipants.joinedAt), asc(users.name));
        for (const { sessionId, ...seat } of rows) {
          const list = bySession.get(sessionId) ?? [];
          list.push(seat);
          bySession.set(sessionId, list);
        }
      }
      return bySession;
    },

    async replaceFeedToken(userId, tokenHash, now) {
      await db
        .insert(calendarFeeds)
        .values({ userId, tokenHash, createdAt: now })
        .onConflictDoUpdate({ target: calendarFeeds.userId, set: { tokenHash, createdAt: now } });
    },

    async feedOwner(tokenHash) {
      const [row] = await db
        .select({
          id: users.id,
          email: users.email,
          name: users.name,
          role: users.role,
          timezone: users.timezone,
          locale: users.locale,
        })
        .from(calendarFeeds)
        .innerJoin(users, eq(users.id, calendarFeeds.userId))
        .where(eq(calendarFeeds.tokenHash, tokenHash))
        .limit(1);
      return row;
    },
  };
}
