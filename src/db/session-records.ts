import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { newId } from "../domain/ids";
import type { Db } from "./client";
import {
  type AttendanceRow,
  attendance,
  type SlotRow,
  sessionParticipants,
  slots,
  type TeachingSessionRow,
  teachingSessions,
} from "./schema";
import { runBatch } from "./statements";

export interface Participant {
  userId: string;
  status: "CONFIRMED" | "CANCELLED";
}

/**
 * Teaching sessions, their participants and attendance. Every state change is one conditional
 * batch: it lands only from the expected status, so a repeated or racing call changes nothing
 * (the caller re-reads and answers with the right conflict).
 */
export interface SessionRecords {
  findWithSlot(id: string): Promise<{ session: TeachingSessionRow; slot: SlotRow } | undefined>;
  /** The provider's sessions, or the ones a student takes part in; latest start first, at most 500. */
  listFor(user: {
    id: string;
    role: "provider" | "student";
  }): Promise<{ session: TeachingSessionRow; slot: SlotRow }[]>;
  participantsOf(sessionIds: string[]): Promise<Map<string, Participant[]>>;
  /** SCHEDULED → IN_PROGRESS, and the slot with it. False when the session was not SCHEDULED. */
  markStarted(id: string, slotId: string, now: number): Promise<boolean>;
  /** IN_PROGRESS → COMPLETED; open attendance closes (sealed). False when it was not IN_PROGRESS. */
  markEnded(id: string, slotId: string, now: number): Promise<boolean>;
  /** SCHEDULED → CANCELLED, and the slot with it. False when it was not SCHEDULED. */
  markCancelled(id: string, slotId: string, now: number): Promise<boolean>;
  /** Opens an attendance interval unless one is open, only while the session is IN_PROGRESS. */
  recordJoin(id: string, userId: string, now: number): Promise<void>;
  recordLeave(id: string, userId: string, now: number): Promise<void>;
  listAttendance(id: string): Promise<AttendanceRow[]>;
  /** Cancelled sessions whose slot still has active bookings (the slot object never heard). */
  listUnfinishedCancellations(limit: number): Promise<{ sessionId: string; slotId: string }[]>;
}

export function createSessionRecords(db: Db, d1: D1Database): SessionRecords {
  return {
    async findWithSlot(id) {
      const rows = await db
        .select({ session: teachingSessions, slot: slots })
        .from(teachingSessions)
        .innerJoin(slots, eq(slots.id, teachingSessions.slotId))
        .where(eq(teachingSessions.id, id))
        .limit(1);
      return rows[0];
    },

    listFor(user) {
      const base = db
        .select({ session: teachingSessions, slot: slots })
        .from(teachingSessions)
        .innerJoin(slots, eq(slots.id, teachingSessions.slotId));
      if (user.role === "provider") {
        return base.where(eq(teachingSessions.providerId, user.id)).orderBy(desc(slots.startsAt)).limit(500);
      }
      return base
        .innerJoin(sessionParticipants, eq(sessionParticipants.sessionId, teachingSessions.id))
        .where(eq(sessionParticipants.userId, user.id))
        .orderBy(desc(slots.startsAt))
        .limit(500);
    },

    async participantsOf(sessionIds) {
      const bySession = new Map<string, Participant[]>();
      if (sessionIds.length === 0) return bySession;
      const rows = await db
        .select({
          sessionId: sessionParticipants.sessionId,
          userId: sessionParticipants.userId,
          status: sessionParticipants.status,
        })
        .from(sessionParticipants)
        .where(inArray(sessionParticipants.sessionId, sessionIds))
        .orderBy(asc(sessionParticipants.joinedAt));
      for (const row of rows) {
        const list = bySession.get(row.sessionId) ?? [];
        list.push({ userId: row.userId, status: row.status });
        bySession.set(row.sessionId, list);
      }
      return bySession;
    },

    async markStarted(id, slotId, now) {
      const [started] = await runBatch(d1, [
        sql`UPDATE teaching_sessions SET status = 'IN_PROGRESS', started_at = ${now} WHERE id = ${id} AND status = 'SCHEDULED'`,
        sql`UPDATE slots SET status = 'IN_PROGRESS', updated_at = ${now}
             WHERE id = ${slotId} AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND started_at = ${now})`,
      ]);
      return started?.meta.changes === 1;
    },

    async markEnded(id, slotId, now) {
      const [ended] = await runBatch(d1, [
        sql`UPDATE teaching_sessions SET status = 'COMPLETED', ended_at = ${now} WHERE id = ${id} AND status = 'IN_PROGRESS'`,
        sql`UPDATE attendance SET left_at = ${now} WHERE session_id = ${id} AND left_at IS NULL`,
        sql`UPDATE slots SET status = 'COMPLETED', updated_at = ${now} WHERE id = ${slotId}`,
      ]);
      return ended?.meta.changes === 1;
    },

    async markCancelled(id, slotId, now) {
      const [cancelled] = await runBatch(d1, [
        sql`UPDATE teaching_sessions SET status = 'CANCELLED', ended_at = ${now} WHERE id = ${id} AND status = 'SCHEDULED'`,
        sql`UPDATE slots SET status = 'CANCELLED', updated_at = ${now}
             WHERE id = ${slotId} AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND status = 'CANCELLED')`,
      ]);
      return cancelled?.meta.changes === 1;
    },

    async recordJoin(id, userId, now) {
      await runBatch(d1, [
        sql`INSERT INTO attendance (id, session_id, user_id, joined_at)
            SELECT ${newId("att")}, ${id}, ${userId}, ${now}
             WHERE NOT EXISTS (SELECT 1 FROM attendance WHERE session_id = ${id} AND user_id = ${userId} AND left_at IS NULL)
               AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND status = 'IN_PROGRESS')`,
      ]);
    },

    async recordLeave(id, userId, now) {
      await db
        .update(attendance)
        .set({ leftAt: now })
        .where(and(eq(attendance.sessionId, id), eq(attendance.userId, userId), isNull(attendance.leftAt)));
    },

    listAttendance(id) {
      return db
        .select()
        .from(attendance)
        .where(eq(attendance.sessionId, id))
        .orderBy(asc(attendance.joinedAt), asc(attendance.id));
    },

    listUnfinishedCancellations(limit) {
      return db.all<{ sessionId: string; slotId: string }>(sql`
        SELECT DISTINCT ts.id AS sessionId, ts.slot_id AS slotId
          FROM teaching_sessions ts JOIN bookings b ON b.slot_id = ts.slot_id
         WHERE ts.status = 'CANCELLED' AND b.status IN ('PENDING_PAYMENT', 'CONFIRMED')
         LIMIT ${limit}`);
    },
  };
}
