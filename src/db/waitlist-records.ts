import { sql } from "drizzle-orm";
import type { WaitlistStatus } from "../shared/api-types";
import type { Db } from "./client";

export interface WaitlistRowView {
  id: string;
  slotId: string;
  studentId: string;
  studentName: string;
  status: WaitlistStatus;
  /** 1-based place among the slot's WAITING entries (meaningful while WAITING). */
  position: number;
  offerExpiresAt: number | null;
  createdAt: number;
}

/** Reads of the waitlist projection (the slot object writes it: booking-records saveWaitlistEntry). */
export interface WaitlistRecords {
  /** A student's entries, newest first. */
  listForStudent(studentId: string): Promise<WaitlistRowView[]>;
  /** A slot's line, in order. */
  listForSlot(slotId: string): Promise<WaitlistRowView[]>;
}

const select = sql`
  SELECT w.id AS id, w.slot_id AS slotId, w.student_id AS studentId, u.name AS studentName,
         w.status AS status, w.offer_expires_at AS offerExpiresAt, w.created_at AS createdAt,
         (SELECT COUNT(*) FROM waitlist_entries w2
           WHERE w2.slot_id = w.slot_id AND w2.status = 'WAITING' AND w2.seq <= w.seq) AS position
    FROM waitlist_entries w JOIN users u ON u.id = w.student_id`;

export function createWaitlistRecords(db: Db): WaitlistRecords {
  return {
    listForStudent(studentId) {
      return db.all<WaitlistRowView>(sql`${select} WHERE w.student_id = ${studentId}
        ORDER BY w.created_at DESC LIMIT 200`);
    },
    listForSlot(slotId) {
      return db.all<WaitlistRowView>(sql`${select} WHERE w.slot_id = ${slotId} ORDER BY w.seq LIMIT 500`);
    },
  };
}
