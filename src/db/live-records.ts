import { eq, sql } from "drizzle-orm";
import type { Db } from "./client";
import { liveConnections } from "./schema";

/** Which login sessions opened sockets in which live rooms (so logout can close them). */
export interface LiveRecords {
  remember(tokenHash: string, slotId: string, now: number): Promise<void>;
  /** The rooms a login session joined, at most `limit`. */
  roomsOf(tokenHash: string, limit: number): Promise<string[]>;
  forget(tokenHash: string): Promise<void>;
}

export function createLiveRecords(db: Db, _d1: D1Database): LiveRecords {
  return {
    async remember(tokenHash, slotId, now) {
      await db.insert(liveConnections).values({ tokenHash, slotId, createdAt: now }).onConflictDoNothing();
    },
    async roomsOf(tokenHash, limit) {
      const rows = await db
        .select({ slotId: liveConnections.slotId })
        .from(liveConnections)
        .where(eq(liveConnections.tokenHash, tokenHash))
        .limit(limit);
      return rows.map((row) => row.slotId);
    },
    async forget(tokenHash) {
      await db.run(sql`DELETE FROM live_connections WHERE token_hash = ${tokenHash}`);
    },
  };
}
