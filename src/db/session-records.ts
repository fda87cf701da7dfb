import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import { newId } from "../domain/ids";
import type { PayoutTerms } from "../domain/payouts";
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
import { sessionEvent } from "./webhook-outbox";

export interface Participant {
  userId: string;
  status: "CONFIRMED" | "CANCELLED";
  attendance?: "ATTENDED" | "NO_SHOW";
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
  /**
   * IN_PROGRESS → COMPLETED; open attendance closes (sealed), each confirmed participant gets a
   * verdict (joined at least once: ATTENDED, else NO_SHOW) and a provider who never joined marks
   * the session PROVIDER_NO_SHOW. A lesson the provider attended writes, in the same batch, a
   * SCHEDULED payout per confirmed booking that still earns something. False when it was not
   * IN_PROGRESS.
   */
  markEnded(id: string, slotId: string, now: number, payout: PayoutTerms): Promise<boolean>;
  /** SCHEDULED → CANCELLED, and the slot with it. False when it was not SCHEDULED. */
  markCancelled(id: string, slotId: string, now: number, reason?: "PROVIDER_NO_SHOW"): Promise<boolean>;
  /** Sessions never started whose slot ended before `endedBefore`, with someone confirmed in them. */
  listProviderNoShows(endedBefore: number, limit: number): Promise<{ sessionId: string; slotId: string }[]>;
  /** Opens an attendance interval unless one is open, only while the session is IN_PROGRESS. */
  recordJoin(id: string, userId: string, now: number): Promise<void>;
  recordLeave(id: string, userId: string, now: number): Promise<void>;
  listAttendance(id: string): Promise<AttendanceRow[]>;
  /**
   * Cancelled sessions whose slot still has active bookings, and provider no-shows found at the
   * end whose seats are not refunded yet (the slot object never heard).
   */
  listUnfinishedCancellations(
    limit: number,
  ): Promise<{ sessionId: string; slotId: string; cancelReason: "PROVIDER_NO_SHOW" | null }[]>;
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
          attendance: sessionParticipants.attendance,
        })
        .from(sessionParticipants)
        .where(inArray(sessionParticipants.sessionId, sessionIds))
        .orderBy(asc(sessionParticipants.joinedAt));
      for (const row of rows) {
        const list = bySession.get(row.sessionId) ?? [];
        list.push({
          userId: row.userId,
          status: row.status,
          ...(row.attendance ? { attendance: row.attendance } : {}),
        });
        bySession.set(row.sessionId, list);
      }
      return bySession;
    },

    async markStarted(id, slotId, now) {
      const [started] = await runBatch(d1, [
        sql`UPDATE teaching_sessions SET status = 'IN_PROGRESS', started_at = ${now} WHERE id = ${id} AND status = 'SCHEDULED'`,
        sql`UPDATE slots SET status = 'IN_PROGRESS', updated_at = ${now}
             WHERE id = ${slotId} AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND started_at = ${now})`,
        sessionEvent("session.started", id, now),
      ]);
      return started?.meta.changes === 1;
    },

    async markEnded(id, slotId, now, payout) {
      const fee = sql`CAST(ROUND(p.amount_captured * ${payout.feePercent} / 100.0) AS INTEGER)`;
      const endedNow = sql`EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND status = 'COMPLETED' AND ended_at = ${now})`;
      const [ended] = await runBatch(d1, [
        sql`UPDATE teaching_sessions SET status = 'COMPLETED', ended_at = ${now} WHERE id = ${id} AND status = 'IN_PROGRESS'`,
        sql`UPDATE attendance SET left_at = ${now} WHERE session_id = ${id} AND left_at IS NULL`,
        sql`UPDATE slots SET status = 'COMPLETED', updated_at = ${now} WHERE id = ${slotId}`,
        sql`UPDATE session_participants
               SET attendance = CASE WHEN EXISTS (SELECT 1 FROM attendance a
                                                   WHERE a.session_id = ${id} AND a.user_id = session_participants.user_id)
                                     THEN 'ATTENDED' ELSE 'NO_SHOW' END
             WHERE session_id = ${id} AND status = 'CONFIRMED' AND ${endedNow}`,
        sql`UPDATE teaching_sessions SET cancel_reason = 'PROVIDER_NO_SHOW'
             WHERE id = ${id} AND ${endedNow}
               AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = ${id} AND a.user_id = teaching_sessions.provider_id)`,
        // After the no-show verdict above: a lesson without its provider earns nothing.
        sql`INSERT INTO payouts (booking_id, provider_id, slot_id, session_id, payment_intent_id, currency,
                                 captured, refunded, platform_fee, amount, status, available_at, created_at, updated_at)
            SELECT b.id, ts.provider_id, b.slot_id, ts.id, p.payment_intent_id, p.currency,
                   p.amount_captured, p.refunded_amount, ${fee}, p.amount_captured - p.refunded_amount - ${fee},
                   'SCHEDULED', ${now + payout.delayMs}, ${now}, ${now}
              FROM teaching_sessions ts
              JOIN bookings b ON b.slot_id = ts.slot_id AND b.status = 'CONFIRMED'
              JOIN payments p ON p.payment_intent_id = b.payment_intent_id
             WHERE ts.id = ${id} AND ts.status = 'COMPLETED' AND ts.ended_at = ${now} AND ts.cancel_reason IS NULL
               AND EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = ${id} AND a.user_id = ts.provider_id)
               AND p.amount_captured - p.refunded_amount - ${fee} > 0
            ON CONFLICT (booking_id) DO NOTHING`,
        sessionEvent("session.ended", id, now),
      ]);
      return ended?.meta.changes === 1;
    },

    async markCancelled(id, slotId, now, reason) {
      const [cancelled] = await runBatch(d1, [
        sql`UPDATE teaching_sessions SET status = 'CANCELLED', ended_at = ${now}, cancel_reason = ${reason ?? null}
             WHERE id = ${id} AND status = 'SCHEDULED'`,
        sql`UPDATE slots SET status = 'CANCELLED', updated_at = ${now}
             WHERE id = ${slotId} AND EXISTS (SELECT 1 FROM teaching_sessions WHERE id = ${id} AND status = 'CANCELLED')`,
        sessionEvent("session.cancelled", id, now),
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
      return db.all<{ sessionId: string; slotId: string; cancelReason: "PROVIDER_NO_SHOW" | null }>(sql`
        SELECT DISTINCT ts.id AS sessionId, ts.slot_id AS slotId, ts.cancel_reason AS cancelReason
          FROM teaching_sessions ts JOIN bookings b ON b.slot_id = ts.slot_id
         WHERE (ts.status = 'CANCELLED' AND b.status IN ('PENDING_PAYMENT', 'CONFIRMED'))
            OR (ts.status = 'COMPLETED' AND ts.cancel_reason = 'PROVIDER_NO_SHOW' AND b.status = 'CONFIRMED')
         LIMIT ${limit}`);
    },

    listProviderNoShows(endedBefore, limit) {
      return db.all<{ sessionId: string; slotId: string }>(sql`
        SELECT ts.id AS sessionId, ts.slot_id AS slotId
          FROM teaching_sessions ts JOIN slots s ON s.id = ts.slot_id
         WHERE ts.status = 'SCHEDULED' AND s.ends_at < ${endedBefore}
           AND EXISTS (SELECT 1 FROM session_participants p WHERE p.session_id = ts.id AND p.status = 'CONFIRMED')
         ORDER BY s.ends_at
         LIMIT ${limit}`);
    },
  };
}
