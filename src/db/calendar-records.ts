import { and, asc, eq, gte, inArray } from "drizzle-orm";
import type { Db } from "./client";
import { sessionParticipants, slots, teachingSessions, users } from "./schema";

const FEED_LIMIT = 500;
/** D1 allows 100 bound parameters per statement. */
const IN_CHUNK = 90;

export interface ProviderLessonRow {
  sessionId: string;
  status: "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";
  startsAt: number;
  endsAt: number;
  sessionType: "ONE_TO_ONE" | "GROUP";
}

export interface StudentLessonRow {
  sessionId: string;
  status: "SCHEDULED" | "IN_PROGRESS" | "COMPLETED" | "CANCELLED";
  participation: "CONFIRMED" | "CANCELLED";
  startsAt: number;
  endsAt: number;
  providerName: string;
}

export interface Seat {
  name: string;
  status: "CONFIRMED" | "CANCELLED";
}

/** The lessons behind a person's calendar feed: at most 500, starting from `since`, by start. */
export interface CalendarRecords {
  providerLessons(providerId: string, since: number): Promise<ProviderLessonRow[]>;
  studentLessons(studentId: string, since: number): Promise<StudentLessonRow[]>;
  /** Each session's seats (any status) with the student's name, in booking order. */
  seatsOf(sessionIds: string[]): Promise<Map<string, Seat[]>>;
}

export function createCalendarRecords(db: Db, _d1: D1Database): CalendarRecords {
  return {
    providerLessons(providerId, since) {
      return db
        .select({
          sessionId: teachingSessions.id,
          status: teachingSessions.status,
          startsAt: slots.startsAt,
          endsAt: slots.endsAt,
          sessionType: slots.sessionType,
        })
        .from(teachingSessions)
        .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
        .where(and(eq(teachingSessions.providerId, providerId), gte(slots.startsAt, since)))
        .orderBy(asc(slots.startsAt))
        .limit(FEED_LIMIT);
    },
    studentLessons(studentId, since) {
      return db
        .select({
          sessionId: teachingSessions.id,
          status: teachingSessions.status,
          participation: sessionParticipants.status,
          startsAt: slots.startsAt,
          endsAt: slots.endsAt,
          providerName: users.name,
        })
        .from(sessionParticipants)
        .innerJoin(teachingSessions, eq(teachingSessions.id, sessionParticipants.sessionId))
        .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
        .innerJoin(users, eq(users.id, teachingSessions.providerId))
        .where(and(eq(sessionParticipants.userId, studentId), gte(slots.startsAt, since)))
        .orderBy(asc(slots.startsAt))
        .limit(FEED_LIMIT);
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
  };
}
